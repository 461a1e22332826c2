package mtls.authz_test

import data.mtls.authz

# --- allow -------------------------------------------------------------------------

test_allow_decision_shape_and_headers if {
	d := authz.decision with input as alice_input
	d == {
		"effect": "allow",
		"status": 200,
		"reasons": [],
		"obligations": {"headers": {
			"x-authenticated-userid": "alice",
			"x-client-id": "alice-laptop",
			"x-profile-id": "workforce",
			"x-roles": "console.operator,console.user",
		}},
		"ttl_seconds": 300,
	}
}

test_user_id_falls_back_to_client_user_id_then_client_id if {
	d := authz.decision with input as json.remove(batch_input, ["subject"])
	d.obligations.headers["x-authenticated-userid"] == "svc-billing-batch"
	d2 := authz.decision with input as json.remove(acme_input, ["subject"])
	d2.obligations.headers["x-authenticated-userid"] == "acme-erp"
	d3 := authz.decision with input as patch(acme_input, {"subject": {"id": ""}})
	d3.obligations.headers["x-authenticated-userid"] == "acme-erp"
}

test_header_values_are_cleaned if {
	d := authz.decision with input as patch(acme_input, {"subject": {"id": "eve\r\nx-admin: 1\u0000"}})
	d.obligations.headers["x-authenticated-userid"] == "evex-admin: 1"
}

test_roles_are_sorted_and_unique if {
	d := authz.decision with input as patch(alice_input, {"subject": {"groups": ["sre", "platform-admins", "sre", 7]}})
		with data.mtls.group_roles.sre as ["console.operator", "console.user"]
	d.obligations.headers["x-roles"] == "console.admin,console.operator,console.user"
}

test_no_roles_header_without_roles if {
	d := authz.decision with input as json.remove(acme_input, ["subject"])
		with data.mtls.clients["acme-erp"].roles as []
	not d.obligations.headers["x-roles"]
}

# --- precedence -------------------------------------------------------------------------

everything_wrong := patch(acme_input, {
	"certificate": {"verified": false, "verify_code": 20},
	"request": {"method": "DELETE"},
	"limits": {"exceeded": true},
	"connection": {"client_ip": "198.51.100.1"},
	"time": {"zones": {"Europe/London": {"weekday": "Sun", "hour": 3, "minute": 0}}},
})

test_certificate_class_wins_over_everything if {
	d := authz.decision with input as everything_wrong
	d.status == 401
	d.effect == "deny"
	codes(d) == {"CERT_UNTRUSTED"}
}

test_method_wins_over_rate_limit_and_policy if {
	d := authz.decision with input as patch(everything_wrong, {"certificate": {"verified": true, "verify_code": 0}})
	d.status == 405
	codes(d) == {"METHOD_NOT_ALLOWED"}
}

test_rate_limit_wins_over_policy if {
	d := authz.decision with input as patch(everything_wrong, {"certificate": {"verified": true, "verify_code": 0}, "request": {"method": "GET"}})
	d.status == 429
	codes(d) == {"RATE_LIMITED"}
}

test_policy_lists_every_403_reason if {
	d := authz.decision with input as patch(everything_wrong, {
		"certificate": {"verified": true, "verify_code": 0},
		"request": {"method": "GET"},
		"limits": {"exceeded": false},
	})
	d.status == 403
	codes(d) == {"IP_NOT_ALLOWED", "OUTSIDE_TIME_WINDOW"}
	count(d.reasons) == 3
}

test_deny_wins_over_challenge if {
	d := authz.decision with input as patch(alice_input, {"mfa": {"verified": false}, "device": {"status": "unavailable"}})
	d.effect == "deny"
	d.status == 403
	codes(d) == {"DEVICE_POSTURE_UNAVAILABLE"}
	not d.challenge
}

test_winning_class if {
	authz.winning_class == "policy" with input as patch(acme_input, {"connection": {"client_ip": "1.2.3.4"}})
	not authz.winning_class with input as acme_input
}

# --- TTL -------------------------------------------------------------------------------

test_ttl_allow_is_the_service_ttl if {
	authz.decision.ttl_seconds == 120 with input as acme_input
}

test_ttl_allow_bounded_by_certificate_not_after if {
	authz.decision.ttl_seconds == 429 with input as batch_input
}

test_ttl_allow_bounded_by_time_window if {
	w := [{"days": ["Tue"], "from": "07:00", "to": "10:31", "timezone": "Europe/Paris"}]
	authz.decision.ttl_seconds == 48 with input as alice_input
		with data.mtls.services["admin-console"].time_windows as w
}

test_ttl_allow_never_negative if {
	inp := patch(batch_input, {"certificate": {"not_after": "2026-03-10T23:02:51.5Z"}})
	authz.decision.ttl_seconds == 0 with input as inp
}

test_ttl_default_when_configured_ttl_is_invalid if {
	authz.decision.ttl_seconds == 300 with input as acme_input
		with data.mtls.services["partner-api"].ttl_seconds as "2m"
}

test_ttl_deny_is_configurable_per_service if {
	authz.decision.ttl_seconds == 5 with input as patch(acme_input, {"request": {"method": "PUT"}})
	authz.decision.ttl_seconds == 2 with input as patch(batch_input, {"request": {"method": "DELETE"}})
	authz.decision.ttl_seconds == 5 with input as patch(batch_input, {"request": {"method": "DELETE"}})
		with data.mtls.services["billing-internal"].deny_ttl_seconds as -3
}

test_ttl_challenge_is_zero if {
	authz.decision.ttl_seconds == 0 with input as patch(alice_input, {"mfa": {"verified": false}})
}

# --- always a well-formed decision --------------------------------------------------------

well_formed(d) if {
	d.effect in {"allow", "deny", "challenge"}
	is_number(d.status)
	is_array(d.reasons)
	is_object(d.obligations.headers)
	is_number(d.ttl_seconds)
	d.ttl_seconds >= 0
	floor(d.ttl_seconds) == d.ttl_seconds
	every r in d.reasons {
		is_string(r.code)
		is_string(r.message)
	}
}

test_empty_input_is_a_certificate_deny if {
	d := authz.decision with input as {}
	d == {
		"effect": "deny",
		"status": 401,
		"reasons": [{"code": "CERT_MISSING", "message": "a client certificate is required"}],
		"obligations": {"headers": {}},
		"ttl_seconds": 5,
	}
}

test_inputs_of_wrong_types_are_denied if {
	bad_inputs := [
		null, 1, "x", [], true,
		{"certificate": "yes"},
		{"certificate": {"present": true}},
		{"certificate": {"present": true, "verified": true, "verify_code": 0}, "service": "partner-api"},
		{"certificate": {"present": 1, "verified": "true"}, "service": {"id": ["partner-api"]}},
		patch(acme_input, {"certificate": {"ou": "Integrations", "san": "erp.acme.example", "chain_sha256": "00"}}),
		patch(acme_input, {"certificate": {"expires_in_days": "soon", "not_after": 5, "sha256": 5, "sha1": null}}),
		patch(acme_input, {"connection": {"client_ip": 3232235777}, "request": {"method": 7, "path": ["/"]}}),
		patch(acme_input, {"time": {"now": 0, "epoch_ms": "x", "zones": [], "hour": "nine"}}),
		patch(alice_input, {"subject": {"groups": "sre", "groups_status": 1}, "device": {"posture": [], "status": true}}),
		patch(alice_input, {"mfa": {"verified": "true", "age_seconds": "1", "methods": "hwk", "acr": 5, "status": []}}),
		patch(alice_input, {"time": {"zones": {"Europe/Paris": {"weekday": 1, "hour": "10", "minute": null}}}}),
	]
	every inp in bad_inputs {
		d := authz.decision with input as inp
		well_formed(d)
		d.effect != "allow"
	}
}

test_every_sample_decision_is_well_formed if {
	every inp in [alice_input, acme_input, batch_input, mfa_challenge_input] {
		well_formed(authz.decision) with input as inp
	}
}

test_safety_net_decision_when_a_part_is_undefined if {
	# (fast_allow as false: the fast checks do not look at ttl_bounds)
	d := authz.decision with input as acme_input with authz.ttl_bounds as {"not a number"}
		with authz.fast_allow as false
	d == {
		"effect": "deny",
		"status": 403,
		"reasons": [{"code": "POLICY_ERROR", "message": "the policy could not produce a decision"}],
		"obligations": {"headers": {}},
		"ttl_seconds": 0,
	}
}

test_status_is_200_when_nothing_fails if {
	authz.status == 200 with input as alice_input
}
