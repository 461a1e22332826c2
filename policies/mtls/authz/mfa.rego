# Multi-factor step-up.
# Challenge class (401 + challenge): MFA_REQUIRED, MFA_STALE, MFA_UNAVAILABLE,
# MFA_ACR_INSUFFICIENT, MFA_METHOD_INSUFFICIENT, MFA_TOKEN_NOT_BOUND.
# services[x].mfa = {required, max_age_seconds, acr_values, amr_any_of,
# token_bound, paths: [{prefix | glob, max_age_seconds, acr_values,
# amr_any_of, token_bound}]}. A matching path rule makes MFA required and
# tightens the requirement.
package mtls.authz

mfa_config := svc.mfa if is_object(svc.mfa)

# Request path without its query string.
request_path := substring(path, 0, indexof(path, "?")) if {
	path := input.request.path
	is_string(path)
}

# Matching path rules, in configuration order.
mfa_path_rules := [rule |
	some rule in mfa_config.paths
	path_rule_matches(rule, request_path)
]

path_rule_matches(rule, path) if startswith(path, rule.prefix)

else if {
	glob_may_match(rule.glob, path)
	path_glob_match(rule.glob, path)
}

# Cheap pre-check before splitting: a path matching a glob starts with the
# glob's text up to its first "*" (the final "/" of that text aside, which
# a final "**" lets the path omit).
glob_may_match(pattern, path) if {
	startswith(concat("", [path, "/"]), substring(pattern, 0, indexof(pattern, "*")))
}

# Path globs match whole segments: "*" is exactly one segment, a final "**"
# any number of further segments (including none); other segments are
# literal. (OPA's glob.match is avoided: compiling a glob on every evaluation
# costs more than the rest of the MFA checks.)
path_glob_match(pattern, path) if {
	pattern_segments := split(pattern, "/")
	path_segments := split(path, "/")
	n := count(pattern_segments)
	pattern_segments[n - 1] != "**"
	count(path_segments) == n
	every i, seg in pattern_segments {
		segment_matches(seg, path_segments[i])
	}
}

path_glob_match(pattern, path) if {
	pattern_segments := split(pattern, "/")
	path_segments := split(path, "/")
	n := count(pattern_segments)
	pattern_segments[n - 1] == "**"
	count(path_segments) >= n - 1
	every i, seg in array.slice(pattern_segments, 0, n - 1) {
		segment_matches(seg, path_segments[i])
	}
}

segment_matches("*", _)

segment_matches(seg, seg) if seg != "*"

mfa_required if mfa_config.required == true

mfa_required if count(mfa_path_rules) > 0

# Path rules exist but the request has no path: fail closed.
mfa_required if {
	count(mfa_config.paths) > 0
	not request_path
}

# Strictest max age among the service and the matching path rules, else the default.
mfa_max_ages contains age if {
	age := mfa_config.max_age_seconds
	is_number(age)
}

mfa_max_ages contains age if {
	some rule in mfa_path_rules
	age := rule.max_age_seconds
	is_number(age)
}

mfa_max_age := strictest_max_age(mfa_max_ages)

strictest_max_age(ages) := floor(min(ages)) if {
	count(ages) > 0
} else := n if {
	n := non_negative_int(nested_setting("mfa", "max_age_seconds"))
} else := builtin_defaults.mfa.max_age_seconds

# acr_values / amr_any_of: from the matching path rules (in configuration
# order) when any of them defines it, else from the service. The checks use
# the lists as they are; duplicates are only removed for the challenge and
# the messages.

# (config: the service's mfa object, rules: its matching path rules.)
accepted_listed(config, rules, key) := [x |
	some rule in rules
	some x in rule[key]
	is_string(x)
] if {
	some rule in rules
	is_array(rule[key])
} else := [x | some x in config[key]; is_string(x)]

dedup(xs) := [x | some i, x in xs; not x in array.slice(xs, 0, i)]

default mfa_acr_listed := []

mfa_acr_listed := accepted_listed(mfa_config, mfa_path_rules, "acr_values")

default mfa_amr_listed := []

mfa_amr_listed := accepted_listed(mfa_config, mfa_path_rules, "amr_any_of")

mfa_acr_values := dedup(mfa_acr_listed)

mfa_amr_any_of := dedup(mfa_amr_listed)

token_binding_required(config, rules) if config.token_bound == true

else if {
	some rule in rules
	rule.token_bound == true
}

default mfa_status := "ok"

mfa_status := input.mfa.status if is_string(input.mfa.status)

mfa_verified if {
	mfa_status != "unavailable"
	input.mfa.verified == true
}

mfa_fresh if {
	is_number(input.mfa.age_seconds)
	input.mfa.age_seconds >= 0
	input.mfa.age_seconds <= mfa_max_age
}

# (Functions reading input inside: "not x in y" with an undefined x is not
# true in Rego.)
acr_accepted(listed) if input.mfa.acr in listed

method_used(listed) if {
	some m in input.mfa.methods
	m in listed
}

challenge_violations contains reason("MFA_UNAVAILABLE", "") if {
	mfa_required
	mfa_status == "unavailable"
}

challenge_violations contains reason("MFA_REQUIRED", mfa_required_detail) if {
	mfa_required
	mfa_status != "unavailable"
	not mfa_verified
}

challenge_violations contains reason("MFA_STALE", mfa_age_detail) if {
	mfa_required
	mfa_verified
	not mfa_fresh
}

challenge_violations contains reason("MFA_ACR_INSUFFICIENT", mfa_acr_detail) if {
	mfa_required
	mfa_verified
	count(mfa_acr_listed) > 0
	not acr_accepted(mfa_acr_listed)
}

challenge_violations contains reason(
	"MFA_METHOD_INSUFFICIENT",
	concat("", ["one of ", join_sorted(mfa_amr_any_of)]),
) if {
	mfa_required
	mfa_verified
	count(mfa_amr_listed) > 0
	not method_used(mfa_amr_listed)
}

challenge_violations contains reason("MFA_TOKEN_NOT_BOUND", "") if {
	mfa_required
	mfa_verified
	not input.mfa.token_bound == true
	token_binding_required(mfa_config, mfa_path_rules)
}

default mfa_required_detail := ""

mfa_required_detail := concat("", ["path ", quote(request_path)]) if {
	count(mfa_path_rules) > 0
} else := concat("", ["service ", quote(service_id)]) if {
	service_id
}

mfa_age_detail := concat("", ["age ", text(input.mfa.age_seconds), "s exceeds ", format_int(mfa_max_age, 10), "s"]) if {
	is_number(input.mfa.age_seconds)
} else := concat("", ["age unknown, at most ", format_int(mfa_max_age, 10), "s accepted"])

default mfa_acr_detail := ""

mfa_acr_detail := concat("", [
	"acr ", quote(input.mfa.acr),
	" is not one of ", join_sorted(mfa_acr_values),
]) if {
	input.mfa.acr != null
} else := concat("", ["no acr; one of ", join_sorted(mfa_acr_values)])

# Seconds until the current MFA becomes too old (bounds the allow TTL).
mfa_seconds_left := mfa_max_age - input.mfa.age_seconds if {
	mfa_required
	mfa_fresh
}

# Step-up challenge for the PEP: acr_values is space-separated as in
# RFC 9470 / OpenID Connect (in configured order); max_age in seconds.
challenge := {
	"type": "mfa",
	"acr_values": concat(" ", mfa_acr_values),
	"max_age": mfa_max_age,
}
