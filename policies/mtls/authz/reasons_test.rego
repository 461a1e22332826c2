package mtls.authz_test

import data.mtls.authz

test_every_code_has_a_known_class_and_matching_status if {
	every code, entry in authz.catalog {
		cls := authz.classes[entry.class]
		entry.status == cls.status
		is_string(entry.message)
		entry.message != ""
		upper(code) == code
	}
}

test_classes_have_distinct_ranks if {
	count({c.rank | some c in authz.classes}) == count(authz.classes)
}

test_class_of_known_code if authz.class_of("CERT_EXPIRED") == "certificate"

test_class_of_unknown_code_fails_closed_as_policy if authz.class_of("NO_SUCH_CODE") == "policy"

test_reason_without_detail if {
	authz.reason("CERT_MISSING", "") == {"code": "CERT_MISSING", "message": "a client certificate is required"}
}

test_reason_with_detail if {
	r := authz.reason("RATE_LIMITED", "limit 'x'")
	r == {"code": "RATE_LIMITED", "message": "rate limit exceeded: limit 'x'"}
}

test_reason_unknown_code_has_generic_message if {
	authz.reason("NO_SUCH_CODE", "") == {"code": "NO_SUCH_CODE", "message": "access denied"}
}

test_unknown_code_in_violations_denies_with_403 if {
	# (fast_allow as false: the fast checks do not look at violations)
	d := authz.decision with input as alice_input
		with authz.violations as {{"code": "NO_SUCH_CODE", "message": "m"}}
		with authz.fast_allow as false
	d.effect == "deny"
	d.status == 403
	d.reasons == [{"code": "NO_SUCH_CODE", "message": "m"}]
}

# The class and message tables (class_of, base_message) and the class
# tables (class_rank, ...) agree with the catalog and the classes.
test_catalog_tables_match_the_catalog if {
	every code, entry in authz.catalog {
		authz.class_of(code) == entry.class
		authz.base_message(code) == entry.message
	}
	every class, cls in authz.classes {
		authz.class_rank(class) == cls.rank
		authz.rank_class(cls.rank) == class
		authz.class_status(class) == cls.status
		authz.class_effect(class) == cls.effect
	}
}
