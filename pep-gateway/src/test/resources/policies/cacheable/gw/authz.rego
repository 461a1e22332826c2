package gw.authz

# A gateway test policy whose every decision may be cached (ttl_seconds 60):
# allow with identity obligations from the certificate (CN, OU, SHA-256), or as
# "anonymous" without one; deny a CN that is not in data.allowed_cns.

# METADATA
# entrypoint: true
decision := {
	"effect": "allow",
	"status": 200,
	"reasons": [],
	"obligations": {"headers": {
		"x-client-id": object.get(input, ["certificate", "cn"], "anonymous"),
		"x-client-ou": concat(",", sort(object.get(input, ["certificate", "ou"], ["none"]))),
		"x-client-sha256": object.get(input, ["certificate", "sha256"], "none"),
	}},
	"ttl_seconds": 60,
} if {
	allowed
} else := {
	"effect": "deny",
	"status": 403,
	"reasons": [{"code": "CLIENT_UNKNOWN", "message": "the client is not allowed"}],
	"obligations": {"headers": {}},
	"ttl_seconds": 60,
}

allowed if input.certificate.cn in data.allowed_cns

allowed if not input.certificate.present
