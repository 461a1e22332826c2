package mtls.authz_test

import data.mtls.authz

test_method_not_allowed_by_service if {
	d := authz.decision with input as patch(acme_input, {"request": {"method": "DELETE"}})
	d.effect == "deny"
	d.status == 405
	d.reasons == [
		{"code": "METHOD_NOT_ALLOWED", "message": "the request method is not allowed: 'DELETE' is not allowed by profile 'partner'"},
		{"code": "METHOD_NOT_ALLOWED", "message": "the request method is not allowed: 'DELETE' is not allowed by service 'partner-api'"},
	]
}

test_method_is_case_insensitive if {
	d := authz.decision with input as patch(acme_input, {"request": {"method": "post"}})
	d.effect == "allow"
}

test_method_not_allowed_by_profile_only if {
	d := authz.decision with input as patch(alice_input, {"request": {"method": "OPTIONS"}})
	d.status == 405
	d.reasons == [{"code": "METHOD_NOT_ALLOWED", "message": "the request method is not allowed: 'OPTIONS' is not allowed by profile 'workforce'"}]
}

test_method_wildcard if {
	d := authz.decision with input as patch(batch_input, {"request": {"method": "PATCH"}})
		with data.mtls.services["billing-internal"].methods as null
	d.effect == "allow"
}

test_method_missing if {
	d := authz.decision with input as json.remove(acme_input, ["request/method"])
	d.status == 405
	d.reasons == [{"code": "METHOD_NOT_ALLOWED", "message": "the request method is not allowed: the request has no method"}]
}

test_no_method_lists_means_any_method if {
	d := authz.decision with input as patch(acme_input, {"request": {"method": "PURGE"}})
		with data.mtls.services["partner-api"].methods as null
		with data.mtls.profiles.partner as {}
	d.effect == "allow"
}
