package mtls.authz_test

import data.mtls.authz

test_device_not_compliant_one_reason_per_check if {
	d := authz.decision with input as patch(alice_input, {"device": {"posture": {
		"disk_encrypted": false,
		"os_patch_age_days": 45,
		"edr_running": "yes",
	}}})
	d.status == 403
	d.reasons == [
		{"code": "DEVICE_NOT_COMPLIANT", "message": "the device does not meet the posture requirements: disk_encrypted (required true, device has false)"},
		{"code": "DEVICE_NOT_COMPLIANT", "message": "the device does not meet the posture requirements: edr_running (required true, device has yes)"},
		{"code": "DEVICE_NOT_COMPLIANT", "message": "the device does not meet the posture requirements: max_os_patch_age_days (required 30, device has 45)"},
	]
}

test_device_missing_posture_value if {
	d := authz.decision with input as json.remove(alice_input, ["device/posture/managed", "device/posture/os_patch_age_days"])
	d.reasons == [
		{"code": "DEVICE_NOT_COMPLIANT", "message": "the device does not meet the posture requirements: managed (required true, device has nothing)"},
		{"code": "DEVICE_NOT_COMPLIANT", "message": "the device does not meet the posture requirements: max_os_patch_age_days (required 30, device has nothing)"},
	]
}

test_device_min_list_and_string_requirements if {
	req := {"min_os_version": 14, "os": ["macos", "windows"], "owner": "corp", "jailbroken": false}
	ok := patch(alice_input, {"device": {"posture": {"os_version": 14.5, "os": "macos", "owner": "corp", "jailbroken": false}}})
	d := authz.decision with input as ok with data.mtls.services as service_with("admin-console", "device", {"require": req})
	d.effect == "allow"
	bad := patch(alice_input, {"device": {"posture": {"os_version": 13, "os": "linux", "owner": "byod", "jailbroken": true}}})
	d2 := authz.decision with input as bad with data.mtls.services as service_with("admin-console", "device", {"require": req})
	d2.reasons == [
		{"code": "DEVICE_NOT_COMPLIANT", "message": "the device does not meet the posture requirements: jailbroken (required false, device has true)"},
		{"code": "DEVICE_NOT_COMPLIANT", "message": "the device does not meet the posture requirements: min_os_version (required 14, device has 13)"},
		{"code": "DEVICE_NOT_COMPLIANT", "message": "the device does not meet the posture requirements: os (required [\"macos\",\"windows\"], device has linux)"},
		{"code": "DEVICE_NOT_COMPLIANT", "message": "the device does not meet the posture requirements: owner (required corp, device has byod)"},
	]
}

test_device_posture_unavailable_fails_closed if {
	d := authz.decision with input as patch(alice_input, {"device": {"status": "unavailable"}})
	d.reasons == [{"code": "DEVICE_POSTURE_UNAVAILABLE", "message": "device posture could not be determined: service 'admin-console' requires device posture"}]
}

test_device_absent_is_unavailable if {
	d := authz.decision with input as json.remove(alice_input, ["device"])
	codes(d) == {"DEVICE_POSTURE_UNAVAILABLE"}
}

test_device_unknown_status_is_unavailable if {
	d := authz.decision with input as patch(alice_input, {"device": {"status": "pending"}})
	codes(d) == {"DEVICE_POSTURE_UNAVAILABLE"}
}

test_device_status_ok_without_posture_is_unavailable if {
	d := authz.decision with input as json.remove(alice_input, ["device/posture"])
	codes(d) == {"DEVICE_POSTURE_UNAVAILABLE"}
}

test_device_posture_without_status_is_ok if {
	d := authz.decision with input as json.remove(alice_input, ["device/status"])
	d.effect == "allow"
}

test_device_unavailable_allowed_by_service if {
	d := authz.decision with input as json.remove(alice_input, ["device"])
		with data.mtls.services["admin-console"].device.on_unavailable as "allow"
	d.effect == "allow"
}

test_device_stale_accepted_by_default if {
	d := authz.decision with input as patch(alice_input, {"device": {"status": "stale"}})
	d.effect == "allow"
}

test_device_stale_rejected if {
	d := authz.decision with input as patch(alice_input, {"device": {"status": "stale"}})
		with data.mtls.defaults.device.allow_stale as false
		with data.mtls.services["admin-console"].device.allow_stale as null
	d.reasons == [{"code": "DEVICE_POSTURE_STALE", "message": "device posture information is stale: service 'admin-console' requires fresh device posture"}]
}

test_device_not_checked_without_requirements if {
	d := authz.decision with input as json.remove(alice_input, ["device"])
		with data.mtls.services as service_with("admin-console", "device", null)
	d.effect == "allow"
}
