package gw.authz

# The gateway test policy (policies/gateway) for the end-to-end tests, with these differences:
# - identity obligations only when the certificate has a CN, so /public is allowed without a
#   certificate (in policies/gateway the undefined input.certificate.cn makes that branch undefined);
# - /echo allows any presented certificate, verified or not, and echoes what the PDP saw;
# - /quote denies with a reason whose code and message need JSON escaping;
# - obligations echo input.mfa.verified and whether the policy saw an Authorization header.

# METADATA
# entrypoint: true
decision := {
	"effect": "allow",
	"status": 200,
	"reasons": [],
	"obligations": {"headers": obligation_headers},
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
	"reasons": [{"code": "QUOTE\"D", "message": data.quote_message}],
	"obligations": {"headers": {}},
	"ttl_seconds": 0,
} if {
	input.request.path == "/quote"
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

allowed if {
	input.certificate.present
	input.request.path == "/echo"
}

step_up if input.request.path == "/mfa"

default obligation_headers := {}

obligation_headers := {
	"x-client-id": input.certificate.cn,
	"x-roles": "billing.read",
	"x-pdp-verify-code": format_int(input.certificate.verify_code, 10),
	"x-pdp-verified": sprintf("%v", [input.certificate.verified]),
	"x-pdp-mfa": mfa_verified_text,
	"x-pdp-token-seen": sprintf("%v", [token_seen]),
	"x-pdp-path": input.request.path,
	"x-pdp-host": input.request.host,
} if {
	input.certificate.cn
}

default mfa_verified_text := "none"

mfa_verified_text := sprintf("%v", [input.mfa.verified]) if is_boolean(input.mfa.verified)

default token_seen := false

token_seen if input.request.headers.authorization
