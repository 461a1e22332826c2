package mtls.authz_test

import data.mtls.authz

test_group_required if {
	d := authz.decision with input as patch(alice_input, {"subject": {"groups": ["staff"]}})
	d.status == 403
	d.reasons == [{"code": "GROUP_REQUIRED", "message": "membership of a required group is missing: one of platform-admins, sre"}]
}

test_groups_unavailable_fails_closed if {
	d := authz.decision with input as patch(alice_input, {"subject": {"groups": [], "groups_status": "unavailable"}})
	d.reasons == [{"code": "GROUPS_UNAVAILABLE", "message": "group membership could not be determined: service 'admin-console' requires group membership"}]
}

test_groups_unknown_status_reads_as_unavailable if {
	d := authz.decision with input as patch(alice_input, {"subject": {"groups_status": "weird"}})
	codes(d) == {"GROUPS_UNAVAILABLE"}
}

test_groups_absent_reads_as_unavailable if {
	d := authz.decision with input as json.remove(alice_input, ["subject/groups", "subject/groups_status"])
	codes(d) == {"GROUPS_UNAVAILABLE"}
}

test_groups_list_without_status_is_ok if {
	d := authz.decision with input as json.remove(alice_input, ["subject/groups_status"])
	d.effect == "allow"
}

test_groups_unavailable_allowed_by_service if {
	d := authz.decision with input as patch(alice_input, {"subject": {"groups": [], "groups_status": "unavailable"}})
		with data.mtls.services["admin-console"].groups.on_unavailable as "allow"
	d.effect == "allow"
	d.obligations.headers["x-roles"] == "console.user"
}

test_groups_stale_accepted_by_default if {
	d := authz.decision with input as patch(alice_input, {"subject": {"groups_status": "stale"}})
	d.effect == "allow"
	d.obligations.headers["x-roles"] == "console.operator,console.user"
}

test_groups_stale_rejected if {
	d := authz.decision with input as patch(alice_input, {"subject": {"groups_status": "stale"}})
		with data.mtls.services["admin-console"].groups.allow_stale as false
	d.reasons == [{"code": "GROUPS_STALE", "message": "group membership information is stale: service 'admin-console' requires fresh group membership"}]
}

test_groups_not_required_without_any_of if {
	d := authz.decision with input as json.remove(alice_input, ["subject"])
		with data.mtls.services as service_with("admin-console", "groups", {"any_of": []})
	d.effect == "allow"
	d.obligations.headers["x-authenticated-userid"] == "alice"
}

test_service_requirement_detail_without_service if {
	authz.service_requirement_detail("x") == "the service requires it" with input as {}
}
