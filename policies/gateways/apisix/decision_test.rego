package gateways.apisix_test

import data.gateways.apisix

apisix_input := {
	"type": "http",
	"request": {
		"scheme": "https",
		"path": "/health",
		"headers": {"user-agent": "curl/8", "cookie": "s=1"},
		"method": "GET",
		"host": "status.example.com",
	},
	"var": {"remote_addr": "10.1.2.3", "server_port": "9443"},
	"service": {"id": "1", "name": "status-page"},
	"time": {"now": "2026-03-10T09:30:12Z"},
}

test_apisix_input_maps_onto_the_reference_input if {
	m := apisix.mapped_input with input as apisix_input
	m == {
		"certificate": {"present": false},
		"connection": {"client_ip": "10.1.2.3"},
		"request": {"method": "GET", "path": "/health", "host": "status.example.com", "headers": {"user-agent": "curl/8"}},
		"service": {"id": "status-page"},
		"time": {"now": "2026-03-10T09:30:12Z"},
	}
}

test_allow_and_deny_in_the_plugin_shape if {
	allow := apisix.decision with input as apisix_input
		with data.mtls.services as {"status-page": {"verify": "none", "profile": "internal-backend"}}
	allow.allow == true
	allow.status_code == 200
	allow.headers["x-profile-id"] == "internal-backend"
	deny := apisix.decision with input as apisix_input
	deny.allow == false
	deny.status_code == 401
	contains(deny.reason, "client certificate is required")
}
