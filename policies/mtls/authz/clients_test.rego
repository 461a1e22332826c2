package mtls.authz_test

import data.mtls.authz

test_client_matched_by_spiffe_id if {
	authz.client_id == "billing-batch" with input as batch_input
}

test_client_matched_by_san_email_and_ou if {
	authz.client_id == "alice-laptop" with input as alice_input
}

test_client_matched_by_one_of_a_list if {
	authz.client_id == "ops-jumphost" with input as patch(alice_input, {"certificate": {"san": {
		"dns": ["jump02.ops.corp.example.com"],
		"email": [],
	}}})
}

test_client_match_needs_every_key if {
	# alice's e-mail but another OU
	d := authz.decision with input as patch(alice_input, {"certificate": {"ou": ["Contractors"]}})
	d.status == 403
	d.reasons == [{"code": "CLIENT_UNKNOWN", "message": "the client is not registered: no registered client matches 'Alice Martin'"}]
}

test_client_unknown_labels if {
	authz.cert_label == "spiffe://x" with input as patch(alice_input, {"certificate": {"spiffe_id": "spiffe://x"}})
	authz.cert_label == "CN=Alice Martin,OU=Workforce,O=Example Corp,C=US" with input as json.remove(alice_input, ["certificate/cn"])
	authz.cert_label == "the certificate" with input as json.remove(alice_input, ["certificate/cn", "certificate/subject_dn"])
}

test_client_match_on_cn_o_subject_dn_and_san_uri if {
	clients := {"c": {"match": {
		"cn": "erp.acme.example",
		"o": "Acme Partners Ltd",
		"subject_dn": "CN=erp.acme.example,OU=Integrations,O=Acme Partners Ltd,C=GB",
		"san_dns": "erp.acme.example",
		"san_uri": ["urn:a", "urn:b"],
	}}}
	authz.client_id == "c" with input as patch(acme_input, {"certificate": {"san": {"uri": ["urn:b"]}}})
		with data.mtls.clients as clients
	not authz.client_id with input as acme_input with data.mtls.clients as clients
}

test_empty_or_unknown_match_objects_match_nothing if {
	count(authz.matched_clients) == 0 with input as acme_input
		with data.mtls.clients as {"a": {"match": {}}, "b": {"match": {"colour": "blue"}}, "c": {"match": "cn"}}
}

test_client_issuer_binding if {
	# the client is bound to the partner CA: the same names from the corporate CA do not match
	clients := {"c": {"match": {"issuer": "acme-partner-ca", "san_email": "alice@corp.example.com"}}}
	count(authz.matched_clients) == 0 with input as alice_input with data.mtls.clients as clients
}

test_client_ambiguous if {
	d := authz.decision with input as alice_input
		with data.mtls.clients.dup as {"match": {"san_email": "alice@corp.example.com"}}
	d.status == 403
	d.reasons == [{"code": "CLIENT_AMBIGUOUS", "message": "the certificate matches more than one registered client: alice-laptop, dup"}]
}

test_allow_any_client_of_an_allowed_issuer if {
	d := authz.decision with input as patch(acme_input, {"certificate": {"cn": "other.acme.example"}})
		with data.mtls.services["partner-api"].allow_any_client as true
	d.effect == "allow"
	d.obligations.headers == {
		"x-authenticated-userid": "erp.acme.example",
		"x-client-id": "other.acme.example",
		"x-profile-id": "partner",
	}
}

test_allow_any_client_still_needs_an_allowed_issuer if {
	d := authz.decision with input as patch(acme_input, {"certificate": {"cn": "x", "issuer_dn": "CN=Evil", "chain_sha256": []}})
		with data.mtls.services["partner-api"].allow_any_client as true
	codes(d) == {"ISSUER_NOT_ALLOWED"}
}

test_profile_not_allowed if {
	d := authz.decision with input as patch(acme_input, {"service": {"profile": "workforce"}})
		with data.mtls.services["partner-api"].methods as null
	d.status == 403
	d.reasons == [{"code": "PROFILE_NOT_ALLOWED", "message": "the client is not allowed to use this profile: client 'acme-erp' is not bound to profile 'workforce'"}]
}

test_profile_missing_is_not_allowed_for_a_bound_client if {
	d := authz.decision with input as json.remove(acme_input, ["service/profile"])
		with data.mtls.services["partner-api"].profile as null
	d.reasons == [{"code": "PROFILE_NOT_ALLOWED", "message": "the client is not allowed to use this profile: the request has no profile"}]
}

test_client_without_profiles_may_use_any if {
	d := authz.decision with input as patch(acme_input, {"service": {"profile": "workforce"}})
		with data.mtls.services["partner-api"].methods as null
		with data.mtls.clients["acme-erp"].profiles as null
	d.effect == "allow"
}

test_cert_not_pinned if {
	d := authz.decision with input as patch(acme_input, {"certificate": {"sha256": "00ff", "sha1": "00ee"}})
	d.status == 403
	d.reasons == [{"code": "CERT_NOT_PINNED", "message": "the certificate is not one of the client's pinned certificates: client 'acme-erp'"}]
}

test_cert_pinned_by_second_sha256_in_lower_case if {
	d := authz.decision with input as patch(acme_input, {"certificate": {"sha256": "9af8b347ed31960fa6d5c13c46a2e8992f3db06d590598d3b7d3f60ab3b0a627"}})
	d.effect == "allow"
}

test_cert_pinned_by_sha1 if {
	pins := {"sha256": [], "sha1": ["B1:20:96:5B:68:73:92:90:3A:01:F7:12:1B:D6:43:6A:F1:F2:5A:69"]}
	d := authz.decision with input as acme_input with data.mtls.clients["acme-erp"].pinned as pins
	d.effect == "allow"
	d2 := authz.decision with input as patch(acme_input, {"certificate": {"sha1": "00"}})
		with data.mtls.clients["acme-erp"].pinned as pins
	codes(d2) == {"CERT_NOT_PINNED"}
}

test_empty_pin_lists_pin_nothing if {
	d := authz.decision with input as acme_input
		with data.mtls.clients["acme-erp"].pinned as {"sha256": [], "sha1": []}
	d.effect == "allow"
}
