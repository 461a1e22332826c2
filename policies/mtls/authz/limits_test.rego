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
