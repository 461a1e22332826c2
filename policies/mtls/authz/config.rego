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

configured_defaults := data.mtls.defaults if is_object(data.mtls.defaults)

# --- service -----------------------------------------------------------------

service_id := input.service.id if is_string(input.service.id)

svc := data.mtls.services[service_id] if is_object(data.mtls.services[service_id])

service_known if svc

violations contains reason("SERVICE_UNKNOWN", unknown_service_detail) if not service_known

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

verify_mode := setting("verify") if setting("verify") in {"optional", "none"}

# Profile of the request: the PEP's input.service.profile, else the service's.
profile := input.service.profile if {
	is_string(input.service.profile)
	input.service.profile != ""
} else := svc.profile if is_string(svc.profile)

profile_methods := data.mtls.profiles[profile].methods

# --- helpers -------------------------------------------------------------------

# Fingerprints in data may be written in any case with ':' or ' ' separators;
# input fingerprints are lower-case hex without separators (SPEC). A list is
# normalized in one pass: joined with '|', lower-cased, separators removed.
normalized_fp_list(fps) := concat("", ["|", replace(replace(lower(concat("|", fps)), ":", ""), " ", ""), "|"])

# fp_listed(fps, fp): the input fingerprint fp is in the data list fps.
fp_listed(fps, fp) if fp_in(normalized_fp_list(fps), fp)

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
