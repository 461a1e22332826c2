package mtls.authz_test

import data.mtls.authz

# acme-erp, still migrating, calls the optional-mode service with its key.
key_input := patch(json.remove(acme_input, ["certificate", "subject"]), {
	"certificate": {"present": false},
	"api_key": {"present": true, "valid": true, "client_id": "acme-erp", "key_id": "acme-erp-2024"},
	"service": {"id": "partner-orders", "profile": "partner"},
})

test_valid_key_of_a_migrating_client_is_allowed_with_the_client_identity if {
	d := authz.decision with input as key_input
	d.effect == "allow"
	d.obligations.headers == {
		"x-authenticated-userid": "acme-erp",
		"x-client-id": "acme-erp",
		"x-profile-id": "partner",
		"x-roles": "orders.read,orders.write",
	}
}

test_unknown_key_is_rejected_with_401 if {
	d := authz.decision with input as patch(key_input, {"api_key": {"valid": false, "client_id": null, "key_id": null}})
	d.status == 401
	d.reasons == [{"code": "API_KEY_INVALID", "message": "the API key is not valid"}]
}

test_key_the_provider_could_not_check_is_rejected_as_unavailable if {
	d := authz.decision with input as patch(key_input, {"api_key": {"valid": false, "status": "unavailable", "client_id": null, "key_id": null}})
	d.status == 401
	d.reasons == [{"code": "API_KEY_UNAVAILABLE", "message": "the API key could not be verified"}]
}

test_key_from_a_stale_provider_answer_is_accepted if {
	d := authz.decision with input as patch(key_input, {"api_key": {"status": "stale"}})
	d.effect == "allow"
}

test_key_the_provider_does_not_know_is_invalid if {
	d := authz.decision with input as patch(key_input, {"api_key": {"valid": false, "status": "ok", "client_id": null, "key_id": null}})
	d.reasons == [{"code": "API_KEY_INVALID", "message": "the API key is not valid"}]
}

test_valid_key_of_an_unregistered_client_is_invalid if {
	d := authz.decision with input as patch(key_input, {"api_key": {"client_id": "gone"}})
	d.reasons == [{"code": "API_KEY_INVALID", "message": "the API key is not valid"}]
}

test_key_of_a_client_not_marked_migrating_is_denied if {
	d := authz.decision with input as key_input with data.mtls.clients["acme-erp"].migrating as false
	d.status == 403
	d.reasons == [{"code": "CLIENT_NOT_MIGRATING", "message": "the client must authenticate with its certificate: client 'acme-erp' must use its certificate"}]
}

test_key_on_a_service_that_does_not_opt_in_is_rejected if {
	d := authz.decision with input as key_input with data.mtls.services["partner-orders"].accept_api_keys as false
	d.status == 401
	d.reasons == [{"code": "API_KEY_NOT_ACCEPTED", "message": "the service does not accept API keys: service 'partner-orders' requires a client certificate"}]
}

test_key_on_a_required_service_is_rejected_with_the_missing_certificate if {
	d := authz.decision with input as patch(key_input, {"service": {"id": "partner-api"}})
	d.status == 401
	[r.code | some r in d.reasons] == ["API_KEY_NOT_ACCEPTED", "CERT_MISSING"]
}

test_certificate_and_key_the_certificate_identifies if {
	# acme's certificate with another client's (even invalid) key: the certificate wins
	d := authz.decision with input as patch(acme_input, {
		"service": {"id": "partner-orders"},
		"api_key": {"present": true, "valid": false},
	})
	d.effect == "allow"
	d.obligations.headers["x-client-id"] == "acme-erp"
	not authz.api_key with input as patch(acme_input, {"api_key": {"present": true, "valid": true, "client_id": "x"}})
}

test_key_client_keeps_its_bindings if {
	# the client's profile binding and IP allow-list apply to key-based access too
	d := authz.decision with input as patch(key_input, {"service": {"profile": "workforce"}})
	d.reasons[0].code == "PROFILE_NOT_ALLOWED"
	e := authz.decision with input as patch(key_input, {"connection": {"client_ip": "198.51.100.7"}})
	e.reasons[0].code == "IP_NOT_ALLOWED"
}

test_neither_certificate_nor_key_is_a_missing_credential if {
	d := authz.decision with input as json.remove(key_input, ["api_key"])
	d.status == 401
	d.reasons == [{"code": "CERT_MISSING", "message": "a client certificate is required: service 'partner-orders' requires one or an API key"}]
}

test_a_key_not_presented_is_no_key if {
	not authz.api_key with input as patch(key_input, {"api_key": {"present": false}})
	not authz.api_key with input as patch(key_input, {"api_key": "k"})
}

test_key_client_is_not_pinned_out if {
	# acme-erp pins its certificates; a key-based request has none to pin
	not authz.client_cert_pinned with input as key_input
	d := authz.decision with input as key_input
	d.effect == "allow"
}
