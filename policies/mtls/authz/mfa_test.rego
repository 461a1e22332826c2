package mtls.authz_test

import data.mtls.authz

# alice on a path without a path rule: service-level MFA (12 h, mfa or phr acr)
console_home := patch(alice_input, {"request": {"path": "/home"}})

test_mfa_satisfied if {
	d := authz.decision with input as console_home
	d.effect == "allow"
	not d.challenge
}

test_mfa_required if {
	d := authz.decision with input as patch(console_home, {"mfa": {"verified": false}})
	d.effect == "challenge"
	d.status == 401
	d.reasons == [{"code": "MFA_REQUIRED", "message": "multi-factor authentication is required: service 'admin-console'"}]
	d.challenge == {"type": "mfa", "acr_values": "urn:example:acr:mfa urn:example:acr:phr", "max_age": 43200}
	d.ttl_seconds == 0
	d.obligations == {"headers": {}}
}

test_mfa_required_when_absent if {
	d := authz.decision with input as json.remove(console_home, ["mfa"])
	codes(d) == {"MFA_REQUIRED"}
}

test_mfa_required_by_path_rule if {
	d := authz.decision with input as patch(alice_input, {"mfa": {"verified": false}})
	d.reasons == [{"code": "MFA_REQUIRED", "message": "multi-factor authentication is required: path '/admin/users'"}]
	d.challenge == {"type": "mfa", "acr_values": "urn:example:acr:phr", "max_age": 900}
}

test_mfa_stale if {
	d := authz.decision with input as patch(console_home, {"mfa": {"age_seconds": 43201}})
	d.reasons == [{"code": "MFA_STALE", "message": "multi-factor authentication is too old: age 43201s exceeds 43200s"}]
}

test_mfa_age_unknown_is_stale if {
	d := authz.decision with input as json.remove(console_home, ["mfa/age_seconds"])
	d.reasons == [{"code": "MFA_STALE", "message": "multi-factor authentication is too old: age unknown, at most 43200s accepted"}]
}

test_mfa_unavailable if {
	d := authz.decision with input as patch(console_home, {"mfa": {"status": "unavailable"}})
	d.effect == "challenge"
	d.reasons == [{"code": "MFA_UNAVAILABLE", "message": "multi-factor authentication status could not be determined"}]
}

test_mfa_stale_status_is_accepted if {
	d := authz.decision with input as patch(console_home, {"mfa": {"status": "stale"}})
	d.effect == "allow"
}

test_mfa_acr_insufficient if {
	d := authz.decision with input as patch(console_home, {"mfa": {"acr": "urn:example:acr:pwd"}})
	d.reasons == [{"code": "MFA_ACR_INSUFFICIENT", "message": "the authentication context class is not sufficient: acr 'urn:example:acr:pwd' is not one of urn:example:acr:mfa, urn:example:acr:phr"}]
}

test_mfa_acr_missing if {
	d := authz.decision with input as json.remove(console_home, ["mfa/acr"])
	d.reasons == [{"code": "MFA_ACR_INSUFFICIENT", "message": "the authentication context class is not sufficient: no acr; one of urn:example:acr:mfa, urn:example:acr:phr"}]
}

test_mfa_method_insufficient if {
	d := authz.decision with input as patch(alice_input, {"mfa": {"methods": ["pwd", "otp"]}})
	d.reasons == [{"code": "MFA_METHOD_INSUFFICIENT", "message": "none of the required authentication methods was used: one of hwk, swk"}]
}

test_mfa_token_not_bound if {
	d := authz.decision with input as json.remove(console_home, ["mfa/token_bound"])
	d.reasons == [{"code": "MFA_TOKEN_NOT_BOUND", "message": "the token is not bound to the client certificate"}]
}

test_mfa_token_binding_by_path_rule_only if {
	mfa := {"paths": [{"prefix": "/admin/", "token_bound": true}]}
	d := authz.decision with input as patch(alice_input, {"mfa": {"token_bound": false}})
		with data.mtls.services as service_with("admin-console", "mfa", mfa)
	codes(d) == {"MFA_TOKEN_NOT_BOUND"}
	d.challenge == {"type": "mfa", "acr_values": "", "max_age": 3600}
}

test_mfa_all_failures_listed if {
	d := authz.decision with input as data.mtls.authz_test.mfa_challenge_input
	codes(d) == {"MFA_STALE", "MFA_ACR_INSUFFICIENT", "MFA_METHOD_INSUFFICIENT"}
}

mfa_challenge_input := patch(alice_input, {
	"request": {"method": "POST", "path": "/admin/users/1842/disable"},
	"mfa": {"methods": ["pwd", "otp"], "acr": "urn:example:acr:mfa", "age_seconds": 5400},
})

test_mfa_glob_path_rule if {
	d := authz.decision with input as patch(console_home, {"request": {"path": "/api/v2/keys/rotate?dry=1"}, "mfa": {"age_seconds": 301}})
	d.reasons == [{"code": "MFA_STALE", "message": "multi-factor authentication is too old: age 301s exceeds 300s"}]
	d.challenge.max_age == 300
	d.challenge.acr_values == "urn:example:acr:mfa urn:example:acr:phr"
}

test_path_glob_match if {
	authz.path_glob_match("/api/*/keys/**", "/api/v2/keys")
	authz.path_glob_match("/api/*/keys/**", "/api/v2/keys/a/b")
	not authz.path_glob_match("/api/*/keys/**", "/api/keys")
	not authz.path_glob_match("/api/*/keys/**", "/api/v2/other/a")
	authz.path_glob_match("/api/*/keys", "/api/v2/keys")
	not authz.path_glob_match("/api/*/keys", "/api/v2/keys/a")
	not authz.path_glob_match("/api/*/keys", "/api/v2/other")
}

test_mfa_not_required_without_config if {
	d := authz.decision with input as json.remove(alice_input, ["mfa"])
		with data.mtls.services as service_with("admin-console", "mfa", null)
	d.effect == "allow"
}

test_mfa_path_rule_without_match if {
	mfa := {"paths": [{"prefix": "/admin/"}]}
	d := authz.decision with input as json.remove(console_home, ["mfa"])
		with data.mtls.services as service_with("admin-console", "mfa", mfa)
	d.effect == "allow"
}

test_mfa_default_max_age if {
	authz.mfa_max_age == 3600 with input as acme_input
	authz.mfa_max_age == 60 with input as acme_input with data.mtls.defaults.mfa.max_age_seconds as 60
	authz.mfa_max_age == 3600 with input as acme_input with data.mtls.defaults.mfa.max_age_seconds as -1
}

test_mfa_acr_values_deduplicated_in_order if {
	mfa := {"required": true, "acr_values": ["b", "a", "b"]}
	authz.mfa_acr_values == ["b", "a"] with input as acme_input with data.mtls.services as service_with("partner-api", "mfa", mfa)
}

test_mfa_bounds_allow_ttl if {
	d := authz.decision with input as patch(alice_input, {"mfa": {"age_seconds": 800}})
	d.effect == "allow"
	d.ttl_seconds == 100
}

test_mfa_path_rules_without_a_request_path_fail_closed if {
	mfa := {"paths": [{"prefix": "/admin/"}]}
	d := authz.decision with input as json.remove(alice_input, ["mfa", "request/path"])
		with data.mtls.services as service_with("admin-console", "mfa", mfa)
	d.effect == "challenge"
	d.reasons == [{"code": "MFA_REQUIRED", "message": "multi-factor authentication is required: service 'admin-console'"}]
}

test_mfa_lists_without_mfa_settings if {
	authz.mfa_acr_values == [] with input as acme_input
	authz.mfa_amr_any_of == [] with input as acme_input
}

test_path_rule_globs_without_wildcards_and_with_a_final_rest if {
	authz.path_rule_matches({"glob": "/api/keys/**"}, "/api/keys")
	authz.path_rule_matches({"glob": "/a/b"}, "/a/b")
	not authz.path_rule_matches({"glob": "/a/b"}, "/a/c")
	not authz.path_rule_matches({"glob": "/api/*/keys"}, "/other/v1/keys")
}

# The detail text defaults to "" so that a reason never disappears with its message.
test_mfa_required_detail_defaults_to_empty if {
	authz.mfa_required_detail == "" with input as {}
}
