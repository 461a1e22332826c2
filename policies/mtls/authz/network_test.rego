package mtls.authz_test

import data.mtls.authz

test_ip_not_allowed_by_issuer_and_client if {
	d := authz.decision with input as patch(acme_input, {"connection": {"client_ip": "198.51.100.23"}})
	d.status == 403
	codes(d) == {"IP_NOT_ALLOWED"}
	count(d.reasons) == 2
}

test_ip_allowed_by_issuer_but_not_client if {
	# a shared certificate used from another partner network
	d := authz.decision with input as patch(acme_input, {"connection": {"client_ip": "203.0.113.200"}})
	d.reasons == [{"code": "IP_NOT_ALLOWED", "message": "the client IP address is not allowed: 203.0.113.200 is not in the allow-list of client 'acme-erp'"}]
}

test_ipv6_allowed if {
	d := authz.decision with input as patch(acme_input, {"connection": {"client_ip": "2001:db8:ac:10::7"}})
	d.effect == "allow"
}

test_ipv6_not_allowed if {
	d := authz.decision with input as patch(acme_input, {"connection": {"client_ip": "2001:db8:ac:11::7"}})
	d.reasons == [{"code": "IP_NOT_ALLOWED", "message": "the client IP address is not allowed: 2001:db8:ac:11::7 is not in the allow-list of client 'acme-erp'"}]
}

test_service_allow_list if {
	d := authz.decision with input as patch(batch_input, {"connection": {"client_ip": "192.168.1.9"}})
	d.reasons == [{"code": "IP_NOT_ALLOWED", "message": "the client IP address is not allowed: 192.168.1.9 is not in the allow-list of service 'billing-internal'"}]
}

test_single_address_entries if {
	d := authz.decision with input as patch(batch_input, {"connection": {"client_ip": "192.168.1.9"}})
		with data.mtls.services["billing-internal"].allowed_cidrs as ["192.168.1.9"]
	d.effect == "allow"
}

test_empty_allow_list_allows_nothing if {
	d := authz.decision with input as batch_input
		with data.mtls.services["billing-internal"].allowed_cidrs as []
	codes(d) == {"IP_NOT_ALLOWED"}
}

test_missing_client_ip_fails_closed if {
	d := authz.decision with input as json.remove(acme_input, ["connection/client_ip"])
	d.reasons == [{"code": "IP_NOT_ALLOWED", "message": "the client IP address is not allowed: the client IP address is unknown"}]
}

test_malformed_client_ip_fails_closed if {
	d := authz.decision with input as patch(acme_input, {"connection": {"client_ip": "not-an-ip"}})
	codes(d) == {"IP_NOT_ALLOWED"}
}

test_ipv4_mapped_ipv6_is_read_as_ipv4 if {
	authz.client_ip == "203.0.113.20" with input as patch(acme_input, {"connection": {"client_ip": "::FFFF:203.0.113.20"}})
	authz.client_ip == "::ffff:cb00:7114" with input as patch(acme_input, {"connection": {"client_ip": "::ffff:cb00:7114"}})
	d := authz.decision with input as patch(acme_input, {"connection": {"client_ip": "::ffff:203.0.113.20"}})
	d.effect == "allow"
}
