# Service lookup, defaults and shared helpers.
# Resolves the service of the request in data.mtls.services, merges the
# tunable defaults and provides small helpers used by every concern.
# Only builtins that OPA implements natively in WebAssembly are used.
package mtls.authz

# Built-in defaults, used where data.mtls.defaults says nothing.
builtin_defaults := {
	"verify": "required",
	"ttl_seconds": 300,
	"deny_ttl_seconds": 5,
	"allow_any_client": false,
	"groups": {"on_unavailable": "deny", "allow_stale": true},
	"device": {"on_unavailable": "deny", "allow_stale": true},
	"mfa": {"max_age_seconds": 3600},
}

configured_defaults := defaults if {
	defaults := data.mtls.defaults
	is_object(defaults)
}

# --- service -----------------------------------------------------------------

service_id := id if {
	id := input.service.id
	is_string(id)
}

# (Service ids are strings: a key of another type names no service.)
svc := service if {
	service := data.mtls.services[input.service.id]
	is_object(service)
}

policy_violations contains reason("SERVICE_UNKNOWN", unknown_service_detail) if not svc

default unknown_service_detail := "the request names no service"

unknown_service_detail := concat("", ["service ", quote(service_id), " is not configured"]) if service_id

# setting(name) is the service's value for name, else data.mtls.defaults,
# else the built-in default (null counts as absent).
setting(name) := value if {
	value := svc[name]
	value != null
} else := value if {
	value := configured_defaults[name]
	value != null
} else := builtin_defaults[name]

# nested_setting(section, name): svc[section][name], else the defaults.
nested_setting(section, name) := value if {
	value := svc[section][name]
	value != null
} else := value if {
	value := configured_defaults[section][name]
	value != null
} else := builtin_defaults[section][name]

# Certificate verification mode of the service: required | optional | none.
# Anything else is read as "required" (fail closed).
default verify_mode := "required"

verify_mode := mode if {
	mode := setting("verify")
	relaxed_verify_mode(mode)
}

# (Function clauses rather than a set literal: a literal is rebuilt on every
# evaluation in WebAssembly.)
relaxed_verify_mode("optional")

relaxed_verify_mode("none")

# Profile of the request: the PEP's input.service.profile, else the service's.
profile := requested if {
	requested := input.service.profile
	is_string(requested)
	requested != ""
} else := configured if {
	configured := svc.profile
	is_string(configured)
}

# --- helpers -------------------------------------------------------------------

# Fingerprints in data may be written in any case with ':' or ' ' separators;
# input fingerprints are lower-case hex without separators (SPEC). A list is
# normalized in one pass: joined with '|', lower-cased, separators removed.
normalized_fp_list(fps) := concat("", ["|", replace(replace(lower(concat("|", fps)), ":", ""), " ", ""), "|"])

# fp_listed(fps, fp): the input fingerprint fp is in the data list fps
# (that is, "|fp|" is in normalized_fp_list(fps)). Normalizing costs a few
# string passes per character, so it is done entry by entry, and only for
# the entries that could match: an entry without '|' whose first two
# characters are not separators normalizes to a string starting with those
# two characters lower-cased, which must then be the first two of fp. A
# list of strings holding the (lower-case, separator-free) fingerprint as it
# is needs no normalization at all.
fp_listed(fps, fp) if {
	fp in fps
	fp_list_of_strings(fps)
	fp_plain(fp)
} else if {
	is_string(fp)
	head := substring(fp, 0, 2)
	some entry in fps
	fp_may_match(substring(entry, 0, 2), entry, head)
	fp != ""
	not contains(fp, "|")
	fp_list_of_strings(fps)
	fp_entry_lists(entry, fp)
}

# An entry lists fp when it normalizes to fp, or (an entry with '|') when
# one of its '|'-separated parts does.
fp_entry_lists(entry, fp) if normalized_fp(entry) == fp

else if fp_in(concat("", ["|", normalized_fp(entry), "|"]), fp)

normalized_fp(entry) := replace(replace(lower(entry), ":", ""), " ", "")

fp_list_of_strings(fps) if {
	is_array(fps)
	every entry in fps {
		is_string(entry)
	}
}

fp_list_of_strings(fps) if {
	is_set(fps)
	every entry in fps {
		is_string(entry)
	}
}

fp_plain(fp) if {
	is_string(fp)
	fp != ""
	lower(fp) == fp
	not contains(fp, "|")
	not contains(fp, ":")
	not contains(fp, " ")
}

fp_may_match(prefix, entry, head) if lower(prefix) == head

else if contains(prefix, ":")

else if contains(prefix, " ")

else if contains(entry, "|")

fp_in(listed, fp) if {
	is_string(fp)
	fp != ""
	not contains(fp, "|")
	contains(listed, concat("", ["|", fp, "|"]))
}

# Value as text for messages (strings as they are, anything else as JSON).
# json.marshal is WASM-native, unlike sprintf.
text(x) := x if is_string(x)

else := json.marshal(x)

quote(x) := concat("", ["'", text(x), "'"])

# Comma-joined list of the strings in a collection, sorted, for messages.
join_sorted(xs) := concat(", ", sort([text(x) | some x in xs]))

# Integer >= 0 or undefined.
non_negative_int(x) := floor(x) if {
	is_number(x)
	x >= 0
}
