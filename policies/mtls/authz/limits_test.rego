package mtls.authz_test

import data.mtls.authz

test_rate_limited_with_name if {
	d := authz.decision with input as object.union(acme_input, {"limits": {"exceeded": true, "name": "per-client"}})
	d.effect == "deny"
	d.status == 429
	d.reasons == [{"code": "RATE_LIMITED", "message": "rate limit exceeded: limit 'per-client'"}]
	d.ttl_seconds == 5
}

test_rate_limited_without_name if {
	d := authz.decision with input as object.union(acme_input, {"limits": {"exceeded": true}})
	d.reasons == [{"code": "RATE_LIMITED", "message": "rate limit exceeded"}]
}

test_not_rate_limited if {
	d := authz.decision with input as object.union(acme_input, {"limits": {"exceeded": false, "name": "x"}})
	d.effect == "allow"
	d2 := authz.decision with input as object.union(acme_input, {"limits": {"exceeded": "true"}})
	d2.effect == "allow"
}

# --- rate-limit obligations of an allow (profiles[p].rate_limit) ---------------------

# A field sensor: one of the devices the field-sensors client matches.
device_input := patch(acme_input, {
	"certificate": {
		"sha1": "5f2a0e6a0c8f3f8d9b1d2c3e4f5a6b7c8d9e0f1a",
		"sha256": "6e1d2c3b4a5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
		"subject_dn": "CN=device-4711,OU=devices,O=Example IoT",
		"issuer_dn": "CN=Example Device CA,O=Example IoT,C=US",
		"cn": "device-4711",
		"ou": ["devices"],
		"o": "Example IoT",
		"san": {"dns": [], "uri": ["urn:device:4711"], "email": [], "ip": []},
		"chain_sha256": ["6e1d2c3b4a5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"],
	},
	"request": {"method": "POST", "path": "/telemetry", "host": "ingest.example.com", "headers": {}},
	"service": {"id": "telemetry-ingest", "profile": "iot"},
})

test_partner_allow_carries_the_partner_limit_per_client if {
	d := authz.decision with input as acme_input
	d.effect == "allow"
	d.obligations.rate_limits == [{"name": "partner", "key": "acme-erp", "rate": 100, "period_seconds": 1, "burst": 200}]
	d.obligations.headers["x-client-id"] == "acme-erp"
}

test_the_full_evaluation_carries_the_same_limit if {
	# a certificate close to its expiry leaves the fast checks (fast.rego)
	near_expiry := patch(acme_input, {"certificate": {"expires_in_days": 1}})
	not authz.fast_allow with input as near_expiry
	d := authz.decision with input as near_expiry
	d.effect == "allow"
	d.obligations.rate_limits == [{"name": "partner", "key": "acme-erp", "rate": 100, "period_seconds": 1, "burst": 200}]
}

test_device_allow_carries_the_iot_limit_per_certificate if {
	d := authz.decision with input as device_input
	d.effect == "allow"
	d.obligations.headers["x-client-id"] == "field-sensors"
	d.obligations.rate_limits == [{
		"name": "iot",
		"key": device_input.certificate.sha256,
		"rate": 5,
		"period_seconds": 1,
		"burst": 10,
	}]

	# another device of the fleet: the same client, its own budget
	other := patch(device_input, {"certificate": {"sha256": "00aa"}})
	d2 := authz.decision with input as other
	d2.obligations.rate_limits[0].key == "00aa"
}

test_per_certificate_without_a_fingerprint_counts_per_client if {
	no_fp := json.remove(device_input, ["certificate/sha256"])
	d := authz.decision with input as no_fp
	d.effect == "allow"
	d.obligations.rate_limits[0].key == "field-sensors"
}

test_a_profile_without_rate_limit_has_no_limit_obligation if {
	d := authz.decision with input as alice_input
	d.effect == "allow"
	not d.obligations.rate_limits
}

test_burst_defaults_to_the_rate if {
	profiles := partner_rate_limit({"rate": 7, "period_seconds": 60})
	d := authz.decision with input as acme_input with data.mtls.profiles as profiles
	d.obligations.rate_limits == [{"name": "partner", "key": "acme-erp", "rate": 7, "period_seconds": 60, "burst": 7}]
}

test_limit_values_are_passed_as_written_for_the_pdp_to_check if {
	profiles := partner_rate_limit({"rate": 0, "period_seconds": "1s"})
	d := authz.decision with input as acme_input with data.mtls.profiles as profiles
	d.obligations.rate_limits == [{"name": "partner", "key": "acme-erp", "rate": 0, "period_seconds": "1s", "burst": 0}]
}

test_a_rate_limit_that_is_not_an_object_is_ignored if {
	profiles := partner_rate_limit(100)
	d := authz.decision with input as acme_input with data.mtls.profiles as profiles
	d.effect == "allow"
	not d.obligations.rate_limits
}

test_deny_and_challenge_carry_no_limit if {
	d := authz.decision with input as patch(acme_input, {"request": {"method": "DELETE"}})
	d.status == 405
	d.obligations == {"headers": {}}
	d2 := authz.decision with input as patch(device_input, {"limits": {"exceeded": true, "name": "iot"}})
	d2.status == 429
	d2.obligations == {"headers": {}}
}

test_rate_limit_client_key_is_the_client_id_else_shared if {
	authz.rate_limit_client_key == "acme-erp" with input as acme_input
	authz.rate_limit_client_key == "-" with input as {}
}

test_rate_limit_key_without_a_client_key_is_shared if {
	authz.rate_limit_key({"rate": 1}, null) == "-" with input as {}
	authz.rate_limit_key({"per": "certificate"}, "c") == "c" with input as {}
}

# data.mtls.profiles with the partner profile's rate_limit replaced.
partner_rate_limit(limit) := object.union(
	object.remove(data.mtls.profiles, ["partner"]),
	{"partner": object.union(object.remove(data.mtls.profiles.partner, ["rate_limit"]), {"rate_limit": limit})},
)
