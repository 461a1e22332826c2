# Device posture.
# 403 class: DEVICE_NOT_COMPLIANT (one reason per failed check),
# DEVICE_POSTURE_UNAVAILABLE, DEVICE_POSTURE_STALE.
# services[x].device = {require: {...}, on_unavailable: allow|deny, allow_stale: bool}.
# require keys: a boolean, string or number value must equal the posture
# value; a list must contain it; "max_<key>" / "min_<key>" bound a number.
package mtls.authz

posture := input.device.posture if is_object(input.device.posture)

# ok | stale | unavailable; no status but a posture object reads as ok.
default device_status := "unavailable"

device_status := s if {
	s := input.device.status
	known_status(s)
} else := "ok" if {
	not input.device.status
	posture
}

# The posture reasons: one per failed check of a usable posture, else
# stale (when the service rejects stale postures) or unavailable (unless the
# service allows that). One rule for all of them: every rule costs a
# memoization in WebAssembly.
policy_violations contains r if {
	require := svc.device.require
	is_object(require)
	count(require) > 0
	some r in device_reasons(require, device_status)
}

device_reasons(require, status) := [reason("DEVICE_NOT_COMPLIANT", posture_detail(key, want)) |
	some key, want in require
	not posture_ok(p, key, want)
] if {
	device_usable(status)
	p := posture
} else := [reason("DEVICE_POSTURE_STALE", service_requirement_detail("fresh device posture"))] if {
	status == "stale"
	posture
} else := [reason("DEVICE_POSTURE_UNAVAILABLE", service_requirement_detail("device posture"))] if {
	not nested_setting("device", "on_unavailable") == "allow"
}

device_usable("ok")

device_usable("stale") if not nested_setting("device", "allow_stale") == false

# (An else chain: the first check that holds ends the evaluation.)
posture_ok(p, key, want) if {
	not is_array(want)
	not bound_key(key)
	p[key] == want
} else if {
	is_array(want)
	p[key] in want
} else if {
	startswith(key, "max_")
	have := p[substring(key, 4, -1)]
	is_number(have)
	have <= want
} else if {
	startswith(key, "min_")
	have := p[substring(key, 4, -1)]
	is_number(have)
	have >= want
}

bound_key(key) if startswith(key, "max_")

bound_key(key) if startswith(key, "min_")

posture_detail(key, want) := concat("", [
	key, " (required ", text(want),
	", device has ", text(posture_value(key)), ")",
])

default posture_value(_) := "nothing"

posture_value(key) := posture[substring(key, 4, -1)] if {
	bound_key(key)
	posture[substring(key, 4, -1)] != null
} else := posture[key] if {
	not bound_key(key)
	posture[key] != null
}
