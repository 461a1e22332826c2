package mtls.authz_test

import data.mtls.authz

no_cert := json.remove(acme_input, ["certificate"])

test_cert_missing_when_required if {
	d := authz.decision with input as no_cert
	d.effect == "deny"
	d.status == 401
	d.reasons == [{"code": "CERT_MISSING", "message": "a client certificate is required: service 'partner-api' requires one"}]
	d.obligations == {"headers": {}}
	d.ttl_seconds == 5
}

test_cert_missing_for_an_unknown_service_says_it_is_not_configured if {
	d := authz.decision with input as patch(no_cert, {"service": {"id": "status-page"}})
	d.status == 401
	d.reasons == [{
		"code": "CERT_MISSING",
		"message": "a client certificate is required: service 'status-page' is not in data.mtls.services, and a service that is not configured requires one",
	}]
}

test_cert_missing_when_present_is_not_true if {
	d := authz.decision with input as patch(acme_input, {"certificate": {"present": "yes"}})
	codes(d) == {"CERT_MISSING"}
}

test_cert_not_needed_when_optional if {
	d := authz.decision with input as no_cert
		with data.mtls.services["partner-api"].verify as "optional"
	d.effect == "allow"
	d.obligations.headers == {"x-authenticated-userid": "erp.acme.example", "x-profile-id": "partner"}
}

test_optional_with_a_bad_cert_still_checks_it if {
	d := authz.decision with input as patch(acme_input, {"certificate": {"verified": false, "verify_code": 20}})
		with data.mtls.services["partner-api"].verify as "optional"
	codes(d) == {"CERT_UNTRUSTED"}
}

test_verify_none_ignores_the_certificate if {
	d := authz.decision with input as patch(acme_input, {"certificate": {"verified": false, "verify_code": 20}})
		with data.mtls.services["partner-api"].verify as "none"
	d.effect == "allow"
	not d.obligations.headers["x-client-id"]
}

test_cert_untrusted_with_code_and_error if {
	d := authz.decision with input as patch(acme_input, {"certificate": {
		"verified": false, "verify_code": 20,
		"verify_error": "unable to get local issuer certificate",
	}})
	d.status == 401
	d.reasons == [{
		"code": "CERT_UNTRUSTED",
		"message": "the client certificate could not be verified: verify_code 20 (unable to get local issuer certificate)",
	}]
}

test_cert_untrusted_code_without_error_text if {
	d := authz.decision with input as patch(acme_input, {"certificate": {"verify_code": 2}})
	d.reasons == [{"code": "CERT_UNTRUSTED", "message": "the client certificate could not be verified: verify_code 2"}]
}

test_cert_untrusted_when_not_verified_without_code if {
	d := authz.decision with input as json.remove(patch(acme_input, {"certificate": {"verified": false}}), ["certificate/verify_code"])
	d.reasons == [{"code": "CERT_UNTRUSTED", "message": "the client certificate could not be verified: the certificate was not verified"}]
}

test_cert_untrusted_when_verified_is_missing if {
	d := authz.decision with input as json.remove(acme_input, ["certificate/verified"])
	codes(d) == {"CERT_UNTRUSTED"}
}

test_cert_untrusted_when_code_has_wrong_type if {
	d := authz.decision with input as patch(acme_input, {"certificate": {"verify_code": "0"}})
	d.reasons == [{"code": "CERT_UNTRUSTED", "message": "the client certificate could not be verified: verify_code 0"}]
}

test_cert_expired_by_verify_code_only if {
	d := authz.decision with input as patch(acme_input, {"certificate": {"verified": false, "verify_code": 10}})
	d.status == 401
	d.reasons == [{"code": "CERT_EXPIRED", "message": "the client certificate has expired: not after 2026-06-01T00:00:00Z"}]
}

test_cert_expired_by_days if {
	d := authz.decision with input as patch(acme_input, {"certificate": {"expires_in_days": -1}})
	codes(d) == {"CERT_EXPIRED"}
}

test_cert_expired_by_days_and_unverified_without_code if {
	cert := json.remove(patch(acme_input, {"certificate": {"verified": false, "expires_in_days": -1}}), ["certificate/verify_code"])
	d := authz.decision with input as cert
	codes(d) == {"CERT_EXPIRED"}
}

test_cert_expired_by_not_after if {
	d := authz.decision with input as json.remove(patch(acme_input, {"certificate": {"not_after": "2026-03-10T14:05:39Z"}}), ["certificate/expires_in_days"])
	codes(d) == {"CERT_EXPIRED"}
}

test_cert_expired_without_not_after_has_no_detail if {
	d := authz.decision with input as json.remove(patch(acme_input, {"certificate": {"verify_code": 10}}), ["certificate/not_after"])
	d.reasons == [{"code": "CERT_EXPIRED", "message": "the client certificate has expired"}]
}

test_cert_expired_and_otherwise_untrusted_lists_both if {
	d := authz.decision with input as patch(acme_input, {"certificate": {"verified": false, "verify_code": 20, "expires_in_days": -2}})
	codes(d) == {"CERT_EXPIRED", "CERT_UNTRUSTED"}
}

test_cert_revoked_by_sha256_in_colon_upper_case if {
	d := authz.decision with input as patch(acme_input, {"certificate": {"sha256": "8951f414e5cc1e069cf8b32b22c1c2ab5180143e85070a21aba55d1eb391d814"}})
	d.status == 401
	d.reasons == [{"code": "CERT_REVOKED", "message": "the client certificate has been revoked: serial 0a3f9c1d77e2b4c8"}]
}

test_cert_revoked_by_sha1_with_spaces if {
	fp := "7d67587132d674b780fd2afce95af3d6f5a33cc8"
	d := authz.decision with input as json.remove(patch(acme_input, {"certificate": {"sha1": fp}}), ["certificate/serial"])
		with data.mtls.revoked.sha1 as ["7D 67 58 71 32 D6 74 B7 80 FD 2A FC E9 5A F3 D6 F5 A3 3C C8"]
	d.reasons == [{"code": "CERT_REVOKED", "message": "the client certificate has been revoked"}]
}

test_issuer_unknown if {
	d := authz.decision with input as patch(acme_input, {"certificate": {
		"issuer_dn": "CN=Evil CA",
		"chain_sha256": ["903400f057855f842293a366b0ea5e498f31cf010aa509acc28947e3b20f9b79", "00"],
	}})
	d.status == 403
	d.reasons == [
		{"code": "CLIENT_UNKNOWN", "message": "the client is not registered: no registered client matches 'erp.acme.example'"},
		{"code": "ISSUER_NOT_ALLOWED", "message": "the certificate issuer is not allowed: issuer 'CN=Evil CA' is not a configured issuer"},
	]
}

test_issuer_without_dn if {
	d := authz.decision with input as json.remove(patch(acme_input, {"certificate": {"chain_sha256": []}}), ["certificate/issuer_dn"])
	{"code": "ISSUER_NOT_ALLOWED", "message": "the certificate issuer is not allowed: the certificate names no issuer"} in d.reasons
}

test_issuer_known_but_not_allowed_for_service if {
	d := authz.decision with input as alice_input
		with data.mtls.services["admin-console"].issuers as ["acme-partner-ca"]
	{"code": "ISSUER_NOT_ALLOWED", "message": "the certificate issuer is not allowed: issuer corp-issuing-ca is not allowed for service 'admin-console'"} in d.reasons
}

test_issuer_matched_by_ca_fingerprint_only if {
	# the DN differs (e.g. re-encoded), the CA fingerprint in data is upper-case with colons
	d := authz.decision with input as patch(acme_input, {"certificate": {"issuer_dn": "CN=Acme Partner CA, O=Acme Partners Ltd, C=GB"}})
	d.effect == "allow"
}

test_issuer_any_when_service_lists_none if {
	authz.service_issuer_ids == {"acme-partner-ca", "corp-issuing-ca", "device-ca"} with input as acme_input
		with data.mtls.services["partner-api"].issuers as null
	authz.service_issuer_ids == set() with input as acme_input
		with data.mtls.services["partner-api"].issuers as null
		with data.mtls.issuers as null
}

test_cert_verified_without_code_is_trusted if {
	d := authz.decision with input as json.remove(acme_input, ["certificate/verify_code"])
	d.effect == "allow"
}
