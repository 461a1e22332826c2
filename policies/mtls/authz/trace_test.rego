package mtls.authz_test

import data.mtls.authz

test_trace_of_an_allow_has_every_class_passed_in_precedence_order if {
	t := authz.decision_trace with input as alice_input
	t.decision == authz.decision with input as alice_input
	t.winning_class == null
	[c.class | some c in t.classes] == ["certificate", "method", "rate_limit", "policy", "challenge"]
	every c in t.classes {
		c.passed
		not c.won
		c.reasons == []
	}
}

test_trace_names_the_winning_class_its_reasons_and_the_data_they_used if {
	t := authz.decision_trace with input as patch(alice_input, {"connection": {"client_ip": "203.0.113.9"}})
	t.winning_class == "policy"
	some p in t.classes
	p.class == "policy"
	p.won
	not p.passed
	p.status == 403
	[r.code | some r in p.reasons] == ["IP_NOT_ALLOWED"]
	p.consulted.client_ip == "203.0.113.9"
	p.consulted.allowed_cidrs.issuers == {"corp-issuing-ca": ["10.0.0.0/8", "192.168.0.0/16", "fd00::/8"]}
	p.consulted.clients.matched == ["alice-laptop"]
	p.consulted.clients.client_id == "alice-laptop"
	p.consulted.service_id == "admin-console"
	p.consulted["data.mtls.services[service_id]"].profile == "workforce"
	p.consulted.groups.required == ["platform-admins", "sre"]
	p.consulted.device.require.managed == true
}

test_trace_shows_the_inputs_of_certificate_method_and_challenge_checks if {
	t := authz.decision_trace with input as patch(alice_input, {"request": {"method": "TRACE"}})
	[c.class | some c in t.classes; not c.passed] == ["method"]
	t.classes[0].consulted["input.certificate"].verify_code == 0
	t.classes[0].consulted["data.mtls.revoked"] == false
	t.classes[1].consulted["input.request.method"] == "TRACE"
	t.classes[1].consulted.profile == "workforce"
	"GET" in t.classes[1].consulted["data.mtls.profiles[profile].methods"]
	t.classes[2].consulted["input.limits"] == null
	t.classes[4].consulted.required == true
	t.classes[4].consulted["service.mfa"].required == true
}

test_trace_of_an_empty_input_is_defined_and_null_where_nothing_was_known if {
	t := authz.decision_trace with input as {}
	t.winning_class == "certificate"
	t.classes[0].won
	[r.code | some r in t.classes[0].reasons] == ["CERT_MISSING"]
	t.classes[0].consulted["input.certificate"] == {}
	t.classes[1].consulted == {
		"input.request.method": null, "service.methods": null,
		"profile": null, "data.mtls.profiles[profile].methods": null,
	}
	t.classes[3].consulted.clients == {"matched": [], "client_id": null, "entry": null}
	t.classes[3].consulted.client_ip == null
	t.classes[4].consulted.required == false
}

test_trace_without_any_input_is_defined if {
	t := authz.decision_trace
	t.winning_class == "certificate"
	t.classes[2].consulted["input.limits"] == null
}
