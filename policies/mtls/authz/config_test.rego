package mtls.authz_test

import data.mtls.authz

test_service_unknown if {
	d := authz.decision with input as patch(alice_input, {"service": {"id": "nope"}})
	d.status == 403
	d.reasons == [{"code": "SERVICE_UNKNOWN", "message": "the service is not configured: service 'nope' is not configured"}]
}

test_service_missing_id if {
	d := authz.decision with input as json.remove(alice_input, ["service/id"])
	d.reasons == [{"code": "SERVICE_UNKNOWN", "message": "the service is not configured: the request names no service"}]
}

test_service_id_of_wrong_type if {
	d := authz.decision with input as patch(alice_input, {"service": {"id": 42}})
	codes(d) == {"SERVICE_UNKNOWN"}
}

test_setting_prefers_service_then_defaults_then_builtin if {
	authz.setting("ttl_seconds") == 120 with input as acme_input
	authz.setting("ttl_seconds") == 77 with input as acme_input
		with data.mtls.services["partner-api"].ttl_seconds as null
		with data.mtls.defaults.ttl_seconds as 77
	authz.setting("deny_ttl_seconds") == 5 with input as acme_input with data.mtls.defaults as {}
}

test_nested_setting_fallbacks if {
	authz.nested_setting("groups", "allow_stale") == true with input as alice_input
	authz.nested_setting("groups", "allow_stale") == false with input as acme_input
		with data.mtls.defaults.groups.allow_stale as false
	authz.nested_setting("groups", "on_unavailable") == "deny" with input as acme_input with data.mtls.defaults as {}
}

test_verify_mode_values if {
	authz.verify_mode == "required" with input as acme_input
	authz.verify_mode == "optional" with input as acme_input
		with data.mtls.services["partner-api"].verify as "optional"
	authz.verify_mode == "none" with input as acme_input
		with data.mtls.services["partner-api"].verify as "none"
	authz.verify_mode == "required" with input as acme_input
		with data.mtls.services["partner-api"].verify as "bogus"
}

test_profile_from_input_else_service if {
	authz.profile == "partner" with input as acme_input
	authz.profile == "partner" with input as json.remove(acme_input, ["service/profile"])
	authz.profile == "partner" with input as patch(acme_input, {"service": {"profile": ""}})
	authz.profile == "other" with input as patch(acme_input, {"service": {"profile": "other"}})
}

test_fingerprint_list_normalization if {
	authz.fp_listed(["AB:CD:EF", "01 23"], "abcdef")
	authz.fp_listed(["AB:CD:EF", "01 23"], "0123")
	not authz.fp_listed(["AB:CD:EF"], "abcd")
	not authz.fp_listed(["AB:CD:EF"], "")
	not authz.fp_listed(["AB:CD:EF"], "ab|cd")
	not authz.fp_listed(["AB:CD:EF"], 7)
}

test_text_helpers if {
	authz.text("a") == "a"
	authz.text(10) == "10"
	authz.text([1]) == "[1]"
	authz.quote(true) == "'true'"
	authz.join_sorted({"b", "a"}) == "a, b"
}

test_non_negative_int if {
	authz.non_negative_int(3.7) == 3
	not authz.non_negative_int(-1)
	not authz.non_negative_int("3")
}

# The shipped data.json is well-formed: every reference it makes resolves.
test_shipped_data_is_consistent if {
	every id, s in data.mtls.services {
		is_string(id)
		every i in object.get(s, "issuers", []) {
			is_object(data.mtls.issuers[i])
		}
		s.verify in {"required", "optional", "none"}
		is_object(data.mtls.profiles[s.profile])
	}
	every _, c in data.mtls.clients {
		count(c.match) > 0
		every p in object.get(c, "profiles", []) {
			is_object(data.mtls.profiles[p])
		}
		is_object(data.mtls.issuers[c.match.issuer])
	}
	every _, p in data.mtls.profiles {
		rate_limit_well_formed(object.get(p, "rate_limit", {"rate": 1, "period_seconds": 1}))
	}
	every _, iss in data.mtls.issuers {
		is_string(iss.dn)
		every fp in iss.ca_sha256 {
			count(replace(replace(lower(fp), ":", ""), " ", "")) == 64
		}
	}
}

# What the PDP accepts in a rate-limit obligation (positive integers; see
# limits.rego), and a known "per".
rate_limit_well_formed(l) if {
	object.get(l, "per", "client") in {"client", "certificate"}
	every field in ["rate", "period_seconds", "burst"] {
		positive_int(object.get(l, field, 1))
	}
}

positive_int(n) if {
	is_number(n)
	n == floor(n)
	n >= 1
}

test_rate_limit_shape_check if {
	rate_limit_well_formed({"rate": 5, "period_seconds": 1, "burst": 10, "per": "certificate"})
	not rate_limit_well_formed({"rate": 0, "period_seconds": 1})
	not rate_limit_well_formed({"rate": 1.5, "period_seconds": 1})
	not rate_limit_well_formed({"rate": 1, "period_seconds": "1s"})
	not rate_limit_well_formed({"rate": 1, "period_seconds": 1, "per": "ip"})
}

test_fingerprint_list_shortcuts if {
	# listed as is, in a list or a set
	authz.fp_listed(["abcdef"], "abcdef")
	authz.fp_listed({"abcdef"}, "abcdef")

	# the input fingerprint is not normalized
	not authz.fp_listed(["ABCDEF"], "ABCDEF")

	# a list with a non-string lists nothing
	not authz.fp_listed(["abcdef", 5], "abcdef")

	# separators in the first characters
	authz.fp_listed([":ab:cd"], "abcd")
	authz.fp_listed([" ab cd"], "abcd")
	authz.fp_listed(["ab|cd"], "cd")
}
