package gateways.kong_test

import data.gateways.kong

kong_input := {
	"client_ip": "10.1.2.3",
	"request": {"http": {
		"host": "status.example.com",
		"method": "GET",
		"path": "/health",
		"headers": {"user-agent": "curl/8", "authorization": "Basic eDp5"},
	}},
	"service": {"name": "status-page"},
}

open_service := {"status-page": {"verify": "none", "profile": "internal-backend"}}

test_kong_input_maps_onto_the_reference_input if {
	m := kong.mapped_input with input as kong_input
	m == {
		"certificate": {"present": false},
		"connection": {"client_ip": "10.1.2.3"},
		"request": {"method": "GET", "path": "/health", "host": "status.example.com", "headers": {"user-agent": "curl/8"}},
		"service": {"id": "status-page"},
	}
}

test_allow_injects_obligation_headers if {
	d := kong.decision with input as kong_input with data.mtls.services as open_service
	d.allow == true
	d.status == 200
	d.headers == {"x-profile-id": "internal-backend"}
}

test_certificate_required_service_denies_with_status_and_message if {
	d := kong.decision with input as json.patch(kong_input, [{"op": "replace", "path": "/service/name", "value": "partner-api"}])
	d.allow == false
	d.status == 401
	d.headers == {}
	contains(d.message, "client certificate is required")
}

test_empty_input_denies if {
	d := kong.decision with input as {}
	d.allow == false
}
