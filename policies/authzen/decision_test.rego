package authzen_test

import data.authzen
import data.mtls.authz_test

# alice_input of the reference policy's tests, as an AuthZEN request.
alice_request := {
	"subject": {"type": "user", "id": "alice", "properties": {
		"certificate": authz_test.alice_input.certificate,
		"groups": authz_test.alice_input.subject.groups,
		"groups_status": "ok",
	}},
	"action": {"name": "GET"},
	"resource": {"type": "service", "id": "admin-console", "properties": {
		"path": "/admin/users",
		"host": "console.corp.example.com",
		"profile": "workforce",
	}},
	"context": {
		"connection": authz_test.alice_input.connection,
		"mfa": authz_test.alice_input.mfa,
		"device": authz_test.alice_input.device,
		"ignored": {"not": "mapped"},
	},
	"time": authz_test.alice_input.time,
}

test_request_maps_onto_the_reference_input_shape if {
	m := authzen.mapped_input with input as alice_request
	m == {
		"certificate": authz_test.alice_input.certificate,
		"connection": authz_test.alice_input.connection,
		"device": authz_test.alice_input.device,
		"mfa": authz_test.alice_input.mfa,
		"request": {"method": "GET", "path": "/admin/users", "host": "console.corp.example.com"},
		"service": {"id": "admin-console", "profile": "workforce"},
		"subject": {"id": "alice", "groups": ["staff", "sre"], "groups_status": "ok"},
		"time": authz_test.alice_input.time,
	}
}

test_allow_is_the_reference_decision if {
	d := authzen.decision with input as alice_request
	d == {"decision": true, "context": {
		"effect": "allow",
		"status": 200,
		"reasons": [],
		"obligations": {"headers": {
			"x-authenticated-userid": "alice",
			"x-client-id": "alice-laptop",
			"x-profile-id": "workforce",
			"x-roles": "console.operator,console.user",
		}},
	}}
}

test_deny_carries_status_and_reasons if {
	d := authzen.decision with input as json.patch(alice_request, [{"op": "replace", "path": "/action/name", "value": "TRACE"}])
	d.decision == false
	d.context.effect == "deny"
	d.context.status == 405
	count(d.context.reasons) > 0
}

test_challenge_is_passed_on if {
	d := authzen.decision with input as json.patch(alice_request, [{"op": "replace", "path": "/context/mfa/age_seconds", "value": 999999}])
	d.decision == false
	d.context.effect == "challenge"
	d.context.challenge.type == "mfa"
}

test_no_certificate_is_401 if {
	d := authzen.decision with input as json.remove(alice_request, ["subject/properties/certificate"])
	d.decision == false
	d.context.status == 401
}

test_only_service_resources_name_a_service if {
	r := json.patch(alice_request, [{"op": "replace", "path": "/resource/type", "value": "document"}])
	m := authzen.mapped_input with input as r
	m.service == {"profile": "workforce"}
	d := authzen.decision with input as r
	d.decision == false
	"SERVICE_UNKNOWN" in {x.code | some x in d.context.reasons}
}

test_wrong_types_are_not_mapped if {
	m := authzen.mapped_input with input as {
		"subject": {"id": 7, "properties": {"groups": "sre", "groups_status": 1, "certificate": "pem"}},
		"action": {"name": ["GET"]},
		"resource": {"type": "service", "id": 1, "properties": {"path": 1, "host": 2, "profile": 3}},
		"context": {"connection": "10.0.0.1"},
		"time": "now",
	}
	m == {"subject": {}, "request": {}, "service": {}}
}

test_empty_request_denies if {
	d := authzen.decision with input as {}
	d.decision == false
	d.context.effect == "deny"
}
