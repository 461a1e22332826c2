package test.cache

# Cacheable decisions (ttl_seconds 60) that depend on the client certificate,
# for the decision cache tests: who the client is, and whether it verified.

# METADATA
# entrypoint: true
decision := {
	"effect": "allow",
	"status": 200,
	"reasons": [],
	"obligations": {"headers": {
		"x-client-id": input.certificate.cn,
		"x-client-sha256": input.certificate.sha256,
	}},
	"ttl_seconds": 60,
} if {
	input.certificate.verified == true
} else := {
	"effect": "deny",
	"status": 401,
	"reasons": [{"code": "CERT_UNTRUSTED", "message": sprintf("verify_code %d", [input.certificate.verify_code])}],
	"obligations": {"headers": {}},
	"ttl_seconds": 60,
} if {
	input.certificate.present
} else := {
	"effect": "deny",
	"status": 401,
	"reasons": [{"code": "CERT_MISSING", "message": "a client certificate is required"}],
	"obligations": {"headers": {}},
	"ttl_seconds": 60,
}
