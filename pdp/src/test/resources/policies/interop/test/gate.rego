package test.gate

# A small gate for the interop tests: certificate presence and verification,
# a client allow-list, clients allowed only under /public/, a step-up path and
# a forbidden /admin area; /whoami allows anyone and echoes what the PDP
# believes of the caller.

# METADATA
# entrypoint: true
decision := {
	"effect": "allow",
	"status": 200,
	"reasons": [],
	"obligations": {"headers": {
		"x-client-ip": object.get(input, ["connection", "client_ip"], ""),
		"x-service": object.get(input, ["service", "id"], ""),
		"x-certificate-cn": object.get(input, ["certificate", "cn"], "none"),
	}},
	"ttl_seconds": 0,
} if {
	input.request.path == "/whoami"
} else := deny(401, "CERT_MISSING", "a client certificate is required") if {
	not input.certificate.present
} else := deny(401, "CERT_UNTRUSTED", concat("", ["the client certificate failed verification: ", input.certificate.verify_error])) if {
	not input.certificate.verified
} else := deny(403, "ADMIN_FORBIDDEN", "nobody may use /admin") if {
	startswith(input.request.path, "/admin")
} else := {
	"effect": "challenge",
	"status": 401,
	"reasons": [{"code": "MFA_REQUIRED", "message": "step up first"}],
	"obligations": {"headers": {}},
	"challenge": {"type": "mfa", "acr_values": "urn:example:acr:phr", "max_age": 300},
	"ttl_seconds": 0,
} if {
	input.request.path == "/step-up"
} else := allow if {
	input.certificate.cn in data.clients
} else := allow if {
	input.certificate.cn in data.public_clients
	startswith(input.request.path, "/public/")
} else := deny(403, "CLIENT_NOT_ALLOWED", "the client is not allowed")

allow := {
	"effect": "allow",
	"status": 200,
	"reasons": [],
	"obligations": {"headers": {
		"x-authenticated-userid": input.certificate.cn,
		"x-client-ip": object.get(input, ["connection", "client_ip"], ""),
		"x-service": object.get(input, ["service", "id"], ""),
		"x-seen-method": object.get(input, ["request", "method"], ""),
		"x-seen-path": object.get(input, ["request", "path"], ""),
		"x-seen-user-agent": object.get(input, ["request", "headers", "user-agent"], ""),
		"x-seen-cookie": object.get(input, ["request", "headers", "cookie"], "not forwarded"),
	}},
	"ttl_seconds": 0,
}

deny(status, code, message) := {
	"effect": "deny",
	"status": status,
	"reasons": [{"code": code, "message": message}],
	"obligations": {"headers": {}},
	"ttl_seconds": 0,
}

# METADATA
# entrypoint: true
authzen := {"decision": input.subject.id == "alice", "context": {"seen": input}} if {
	input.resource.id != "broken"
} else := "not a decision"
