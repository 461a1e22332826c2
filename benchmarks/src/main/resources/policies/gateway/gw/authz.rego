package gw.authz

# A copy of pep-gateway's test policy (src/test/resources/policies/gateway), used by the gateway load tests (GatewayTargets):
# allows the partner's CN, challenges /mfa, denies the rest.

# METADATA
# entrypoint: true
decision := {
	"effect": "allow",
	"status": 200,
	"reasons": [],
	"obligations": {"headers": {"x-client-id": input.certificate.cn, "x-roles": "billing.read"}},
	"ttl_seconds": 0,
} if {
	allowed
	not step_up
} else := {
	"effect": "challenge",
	"status": 401,
	"reasons": [{"code": "MFA_REQUIRED", "message": "step-up authentication is required"}],
	"obligations": {"headers": {}},
	"challenge": {"type": "mfa", "acr_values": "urn:example:mfa", "max_age": 300},
	"ttl_seconds": 0,
} if {
	allowed
	step_up
} else := {
	"effect": "deny",
	"status": 403,
	"reasons": [{"code": "CLIENT_UNKNOWN", "message": "the client is not allowed"}],
	"obligations": {"headers": {}},
	"ttl_seconds": 0,
}

allowed if input.certificate.cn in data.allowed_cns

allowed if {
	not input.certificate.present
	input.request.path == "/public"
}

step_up if input.request.path == "/mfa"
