package rl.authz

# The rate-limit test policy: allows any presented certificate, answers 429 itself when the gateway
# reports an exceeded limit, and attaches rate-limit obligations on /obligated (well formed) and
# /malformed (a zero rate).

# METADATA
# entrypoint: true
decision := {
	"effect": "deny",
	"status": 429,
	"reasons": [{"code": "RATE_LIMITED", "message": "rate limit exceeded"}],
	"obligations": {"headers": {}},
	"ttl_seconds": 0,
} if {
	input.limits.exceeded == true
} else := {
	"effect": "allow",
	"status": 200,
	"reasons": [],
	"obligations": {"headers": {"x-client-id": input.certificate.cn}, "rate_limits": rate_limits},
	"ttl_seconds": 60,
} if {
	input.certificate.present
} else := {
	"effect": "deny",
	"status": 401,
	"reasons": [{"code": "CERT_REQUIRED", "message": "a client certificate is required"}],
	"obligations": {"headers": {}},
	"ttl_seconds": 0,
}

default rate_limits := []

rate_limits := [{
	"name": "class-partner",
	"key": input.certificate.cn,
	"rate": data.partner.rate,
	"period_seconds": 60,
	"burst": data.partner.burst,
}] if input.request.path == "/obligated"

rate_limits := [{"name": "broken", "key": "k", "rate": 0, "period_seconds": 1}] if input.request.path == "/malformed"
