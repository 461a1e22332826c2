package mtls.authz_test

import data.mtls.authz

# Requests around the fast checks' edges (fast.rego): allowed ones they take
# or leave, and denies and challenges they must leave to the full
# evaluation.
fast_edge_inputs := [
	alice_input,
	acme_input,
	batch_input,
	device_input,
	json.remove(alice_input, ["service/profile"]),
	json.remove(alice_input, ["subject/id"]),
	json.remove(acme_input, ["subject"]),
	json.remove(alice_input, ["request/path"]),
	json.remove(alice_input, ["request/method"]),
	json.remove(alice_input, ["connection/client_ip"]),
	json.remove(alice_input, ["certificate/expires_in_days"]),
	patch(alice_input, {"service": {"profile": "no-such-profile"}}),
	patch(alice_input, {"mfa": {"age_seconds": 800}}),
	patch(alice_input, {"mfa": {"age_seconds": 120.5}}),
	patch(alice_input, {"mfa": {"status": "unavailable"}}),
	patch(alice_input, {"mfa": {"token_bound": false}}),
	patch(alice_input, {"mfa": {"acr": "urn:example:acr:mfa"}}),
	patch(alice_input, {"mfa": {"methods": ["otp"]}}),
	patch(alice_input, {"request": {"path": "/api/v2/keys/k1"}}),
	patch(alice_input, {"request": {"path": "/home"}}),
	patch(alice_input, {"request": {"method": "OPTIONS"}}),
	patch(alice_input, {"subject": {"groups_status": "stale"}}),
	patch(alice_input, {"subject": {"groups": ["staff"]}}),
	patch(alice_input, {"device": {"status": "stale"}}),
	patch(alice_input, {"device": {"posture": {"os_patch_age_days": 31}}}),
	patch(alice_input, {"connection": {"client_ip": "fd00:14::2:31"}}),
	patch(alice_input, {"connection": {"client_ip": "172.16.0.1"}}),
	patch(alice_input, {"certificate": {"expires_in_days": 1}}),
	patch(alice_input, {"certificate": {"verified": false}}),
	patch(alice_input, {"certificate": {"sha1": "00863ef3324331a3bc3928bf5bd01436bbc9d7ba"}}),
	patch(alice_input, {"limits": {"exceeded": true}}),
	patch(alice_input, {"time": {"zones": {"Europe/Paris": {"weekday": "Mon", "hour": 18, "minute": 0}}}}),
	patch(alice_input, {"time": {"zones": {"Europe/Paris": {"weekday": "Thu", "hour": 7, "minute": 0}}}}),
	patch(alice_input, {"time": {"zones": {"Europe/Paris": {"weekday": "Fri", "hour": 19, "minute": 59}}}}),
	patch(alice_input, {"time": {"zones": {"Europe/Paris": {"weekday": "Wed", "hour": 9.5, "minute": 0}}}}),
	patch(acme_input, {"connection": {"client_ip": "198.51.100.23"}}),
	patch(acme_input, {"certificate": {"sha256": "9af8b347ed31960fa6d5c13c46a2e8992f3db06d590598d3b7d3f60ab3b0a627"}}),
	patch(acme_input, {"certificate": {"sha256": "0000000000000000000000000000000000000000000000000000000000000000"}}),
	patch(acme_input, {"time": {"zones": {"Europe/London": {"weekday": "Sun", "hour": 10, "minute": 0}}}}),
	patch(acme_input, {"time": {"zones": {"Europe/London": {"weekday": "Tue", "hour": 21, "minute": 30}}}}),
	{},
]

# Service settings around the fast checks' edges.
fast_edge_services := [
	data.mtls.services,
	service_with("admin-console", "device", {"require": {}}),
	service_with("admin-console", "groups", {"any_of": []}),
	service_with("admin-console", "mfa", null),
	service_with("admin-console", "mfa", {"required": false}),
	service_with("admin-console", "time_windows", []),
	service_with("admin-console", "time_windows", [{"from": "7.5:00", "timezone": "Europe/Paris"}]),
	service_with("admin-console", "time_windows", [{"from": "09:00", "to": "11:00", "timezone": "UTC"}]),
	service_with("admin-console", "ttl_seconds", 7200),
	service_with("admin-console", "methods", ["*"]),
	service_with("admin-console", "allowed_cidrs", ["1.0.0.0/8", "2.0.0.0/8", "3.0.0.0/8", "10.14.0.0/16"]),
	service_with("admin-console", "verify", "none"),
	service_with("partner-api", "verify", "optional"),
	service_with("partner-api", "mfa", "yes"),
]

# The decision equals the full evaluation, without the fast checks. (In
# parts: each test has a time limit.)
test_fast_checks_match_the_full_evaluation_1 if {
	every inp in array.slice(fast_edge_inputs, 0, 20) {
		d := authz.decision with input as inp
		d == authz.decision with input as inp
			with authz.fast_allow as false
			with authz.fast_certificate_clear as false
			with authz.fast_method_clear as false
			with authz.fast_policy_clear as false
			with authz.fast_challenge_clear as false
	}
}

test_fast_checks_match_the_full_evaluation_2 if {
	every inp in array.slice(fast_edge_inputs, 20, 40) {
		d := authz.decision with input as inp
		d == authz.decision with input as inp
			with authz.fast_allow as false
			with authz.fast_certificate_clear as false
			with authz.fast_method_clear as false
			with authz.fast_policy_clear as false
			with authz.fast_challenge_clear as false
	}
}

test_fast_checks_match_the_full_evaluation_across_settings_1 if {
	every services in array.slice(fast_edge_services, 0, 7) {
		every inp in [alice_input, acme_input, batch_input] {
			d := authz.decision with input as inp with data.mtls.services as services
			d == authz.decision with input as inp with data.mtls.services as services
				with authz.fast_allow as false
				with authz.fast_certificate_clear as false
				with authz.fast_method_clear as false
				with authz.fast_policy_clear as false
				with authz.fast_challenge_clear as false
		}
	}
}

test_fast_checks_match_the_full_evaluation_across_settings_2 if {
	every services in array.slice(fast_edge_services, 7, 14) {
		every inp in [alice_input, acme_input, batch_input] {
			d := authz.decision with input as inp with data.mtls.services as services
			d == authz.decision with input as inp with data.mtls.services as services
				with authz.fast_allow as false
				with authz.fast_certificate_clear as false
				with authz.fast_method_clear as false
				with authz.fast_policy_clear as false
				with authz.fast_challenge_clear as false
		}
	}
}

test_fast_path_takes_the_common_allows if {
	authz.fast_allow == authz.decision with input as alice_input
	authz.fast_allow == authz.decision with input as acme_input
}

# A fast check is only true (or not false) when its class has no reason.
test_fast_checks_are_only_true_without_reasons_1 if {
	every inp in array.slice(fast_edge_inputs, 0, 20) {
		fast_checks_sound with input as inp
	}
}

test_fast_checks_are_only_true_without_reasons_2 if {
	every inp in array.slice(fast_edge_inputs, 20, 40) {
		fast_checks_sound with input as inp
	}
}

fast_checks_sound if {
	sound(authz.fast_certificate_clear, authz.certificate_violations)
	sound(authz.fast_method_clear, authz.method_violations | authz.rate_limit_violations)
	sound(authz.fast_policy_clear, authz.policy_violations)
	sound(authz.fast_challenge_clear, authz.challenge_violations)
}

sound(false, _)

sound(clear, reasons) if {
	clear != false
	count(reasons) == 0
}

test_client_match_by_a_list_of_names if {
	clients := {"c": {"match": {"issuer": "acme-partner-ca", "cn": ["x", "erp.acme.example"]}}}
	authz.client_id == "c" with input as acme_input with data.mtls.clients as clients
}

test_issuer_allow_list_beyond_the_first_entries if {
	cidrs := ["1.0.0.0/8", "2.0.0.0/8", "3.0.0.0/8", "203.0.113.0/24"]
	d := authz.decision with input as acme_input with data.mtls.issuers["acme-partner-ca"].allowed_cidrs as cidrs
	d.effect == "allow"
	d == authz.decision with input as acme_input
		with data.mtls.issuers["acme-partner-ca"].allowed_cidrs as cidrs
		with authz.fast_allow as false
		with authz.fast_policy_clear as false
}

test_window_in_minutes_when_hours_are_not_whole if {
	# "7.5:00" is 07:30; such a window is compared in minutes
	w := [{"from": "7.5:00", "timezone": "Europe/Paris"}]
	authz.time_window_seconds_left == 48588 with input as alice_input
		with data.mtls.services as service_with("admin-console", "time_windows", w)
	d := authz.decision with input as alice_input
		with data.mtls.services as service_with("admin-console", "time_windows", w)
		with authz.fast_allow as false
		with authz.fast_policy_clear as false
	d.effect == "allow"
	d.ttl_seconds == 300
}

test_hhmm_pair_agrees_with_hhmm_minutes if {
	every s in ["00:00", "07:30", "24:00", "7:5", "23:59"] {
		[h, m] := authz.hhmm_pair(s)
		authz.hhmm_minutes(s) == (h * 60) + m
	}
	invalid := ["24:01", "12:60", "-1:00", "1200", "08:00:00", 800]
	count([s | some s in invalid; authz.hhmm_pair(s)]) == 0
	count([s | some s in invalid; authz.hhmm_minutes(s)]) == 0
}

test_hhmm_pair_leaves_fractional_hours_to_minutes if {
	not authz.hhmm_pair("7.5:00")
	authz.hhmm_minutes("7.5:00") == 450
}

test_at_least_zero if {
	authz.at_least_zero(5) == 5
	authz.at_least_zero(-3) == 0
}
