# Device posture.
# 403 class: DEVICE_NOT_COMPLIANT (one reason per failed check),
# DEVICE_POSTURE_UNAVAILABLE, DEVICE_POSTURE_STALE.
# services[x].device = {require: {...}, on_unavailable: allow|deny, allow_stale: bool}.
# require keys: a boolean, string or number value must equal the posture
# value; a list must contain it; "max_<key>" / "min_<key>" bound a number.
package mtls.authz

device_require := svc.device.require if {
	is_object(svc.device.require)
	count(svc.device.require) > 0
}

posture := input.device.posture if is_object(input.device.posture)

# ok | stale | unavailable; no status but a posture object reads as ok.
default device_status := "unavailable"

device_status := s if {
	s := input.device.status
	s in {"ok", "stale", "unavailable"}
} else := "ok" if {
	not input.device.status
	posture
}

device_usable if {
	device_status == "ok"
	posture
}

device_usable if {
	device_status == "stale"
	posture
	not device_stale_rejected
}

device_stale_rejected if {
	device_status == "stale"
	posture
	nested_setting("device", "allow_stale") == false
}

violations contains reason("DEVICE_POSTURE_UNAVAILABLE", service_requirement_detail("device posture")) if {
	device_require
	not device_usable
	not device_stale_rejected
	not nested_setting("device", "on_unavailable") == "allow"
}

violations contains reason("DEVICE_POSTURE_STALE", service_requirement_detail("fresh device posture")) if {
	device_require
	device_stale_rejected
}

violations contains reason("DEVICE_NOT_COMPLIANT", posture_detail(key, want)) if {
	device_require
	device_usable
	some key, want in device_require
	not posture_ok(key, want)
}

posture_ok(key, want) if {
	not is_array(want)
	not bound_key(key)
	posture[key] == want
}

posture_ok(key, want) if {
	is_array(want)
	posture[key] in want
}

posture_ok(key, want) if {
	startswith(key, "max_")
	have := posture[substring(key, 4, -1)]
	is_number(have)
	have <= want
}

posture_ok(key, want) if {
	startswith(key, "min_")
	have := posture[substring(key, 4, -1)]
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
