# Reason-code catalog and outcome classes.
# Every reason a decision can carry is listed here once, with its HTTP status,
# its class and its default message. Rules elsewhere refer to codes only and
# build reasons with reason(code, detail).
package mtls.authz

# Outcome classes in precedence order: when several classes have failing
# reasons, the one with the lowest rank wins and sets effect and status.
classes := {
	"certificate": {"rank": 1, "status": 401, "effect": "deny"},
	"method": {"rank": 2, "status": 405, "effect": "deny"},
	"rate_limit": {"rank": 3, "status": 429, "effect": "deny"},
	"policy": {"rank": 4, "status": 403, "effect": "deny"},
	"challenge": {"rank": 5, "status": 401, "effect": "challenge"},
}

catalog := {
	# 401: the client's credential (its certificate, or an API key)
	"CERT_MISSING": {
		"status": 401, "class": "certificate",
		"message": "a client certificate is required",
	},
	"CERT_UNTRUSTED": {
		"status": 401, "class": "certificate",
		"message": "the client certificate could not be verified",
	},
	"CERT_EXPIRED": {
		"status": 401, "class": "certificate",
		"message": "the client certificate has expired",
	},
	"CERT_REVOKED": {
		"status": 401, "class": "certificate",
		"message": "the client certificate has been revoked",
	},
	"API_KEY_INVALID": {
		"status": 401, "class": "certificate",
		"message": "the API key is not valid",
	},
	"API_KEY_UNAVAILABLE": {
		"status": 401, "class": "certificate",
		"message": "the API key could not be verified",
	},
	"API_KEY_NOT_ACCEPTED": {
		"status": 401, "class": "certificate",
		"message": "the service does not accept API keys",
	},
	# 405
	"METHOD_NOT_ALLOWED": {
		"status": 405, "class": "method",
		"message": "the request method is not allowed",
	},
	# 429
	"RATE_LIMITED": {
		"status": 429, "class": "rate_limit",
		"message": "rate limit exceeded",
	},
	# 403: policy
	"SERVICE_UNKNOWN": {
		"status": 403, "class": "policy",
		"message": "the service is not configured",
	},
	"ISSUER_NOT_ALLOWED": {
		"status": 403, "class": "policy",
		"message": "the certificate issuer is not allowed",
	},
	"CLIENT_UNKNOWN": {
		"status": 403, "class": "policy",
		"message": "the client is not registered",
	},
	"CLIENT_AMBIGUOUS": {
		"status": 403, "class": "policy",
		"message": "the certificate matches more than one registered client",
	},
	"CLIENT_NOT_MIGRATING": {
		"status": 403, "class": "policy",
		"message": "the client must authenticate with its certificate",
	},
	"PROFILE_NOT_ALLOWED": {
		"status": 403, "class": "policy",
		"message": "the client is not allowed to use this profile",
	},
	"CERT_NOT_PINNED": {
		"status": 403, "class": "policy",
		"message": "the certificate is not one of the client's pinned certificates",
	},
	"IP_NOT_ALLOWED": {
		"status": 403, "class": "policy",
		"message": "the client IP address is not allowed",
	},
	"GROUP_REQUIRED": {
		"status": 403, "class": "policy",
		"message": "membership of a required group is missing",
	},
	"GROUPS_UNAVAILABLE": {
		"status": 403, "class": "policy",
		"message": "group membership could not be determined",
	},
	"GROUPS_STALE": {
		"status": 403, "class": "policy",
		"message": "group membership information is stale",
	},
	"DEVICE_NOT_COMPLIANT": {
		"status": 403, "class": "policy",
		"message": "the device does not meet the posture requirements",
	},
	"DEVICE_POSTURE_UNAVAILABLE": {
		"status": 403, "class": "policy",
		"message": "device posture could not be determined",
	},
	"DEVICE_POSTURE_STALE": {
		"status": 403, "class": "policy",
		"message": "device posture information is stale",
	},
	"OUTSIDE_TIME_WINDOW": {
		"status": 403, "class": "policy",
		"message": "access is not allowed at this time",
	},
	# 401 + step-up challenge
	"MFA_REQUIRED": {
		"status": 401, "class": "challenge",
		"message": "multi-factor authentication is required",
	},
	"MFA_STALE": {
		"status": 401, "class": "challenge",
		"message": "multi-factor authentication is too old",
	},
	"MFA_UNAVAILABLE": {
		"status": 401, "class": "challenge",
		"message": "multi-factor authentication status could not be determined",
	},
	"MFA_ACR_INSUFFICIENT": {
		"status": 401, "class": "challenge",
		"message": "the authentication context class is not sufficient",
	},
	"MFA_METHOD_INSUFFICIENT": {
		"status": 401, "class": "challenge",
		"message": "none of the required authentication methods was used",
	},
	"MFA_TOKEN_NOT_BOUND": {
		"status": 401, "class": "challenge",
		"message": "the token is not bound to the client certificate",
	},
}

# Class and default message of a code, as function clauses over the
# catalog, by class: looking a code up this way costs a few string
# comparisons, where the catalog object would be built anew on every
# evaluation in WebAssembly. (test_catalog_tables_match_the_catalog keeps
# them in step with the catalog.) A code missing from the catalog (a policy
# bug) counts as a policy deny rather than being dropped: fail closed.
class_of(code) := "certificate" if {
	certificate_code(code)
} else := "method" if {
	code == "METHOD_NOT_ALLOWED"
} else := "rate_limit" if {
	code == "RATE_LIMITED"
} else := "challenge" if {
	challenge_code(code)
} else := "policy"

certificate_code("CERT_EXPIRED")

certificate_code("CERT_UNTRUSTED")

certificate_code("CERT_MISSING")

certificate_code("CERT_REVOKED")

certificate_code("API_KEY_INVALID")

certificate_code("API_KEY_NOT_ACCEPTED")

certificate_code("API_KEY_UNAVAILABLE")

challenge_code("MFA_STALE")

challenge_code("MFA_ACR_INSUFFICIENT")

challenge_code("MFA_METHOD_INSUFFICIENT")

challenge_code("MFA_REQUIRED")

challenge_code("MFA_TOKEN_NOT_BOUND")

challenge_code("MFA_UNAVAILABLE")

base_message(code) := message if {
	message := certificate_message(code)
} else := message if {
	message := challenge_message(code)
} else := message if {
	message := policy_message(code)
} else := "access denied"

certificate_message("CERT_EXPIRED") := "the client certificate has expired"

certificate_message("CERT_UNTRUSTED") := "the client certificate could not be verified"

certificate_message("CERT_MISSING") := "a client certificate is required"

certificate_message("CERT_REVOKED") := "the client certificate has been revoked"

certificate_message("API_KEY_INVALID") := "the API key is not valid"

certificate_message("API_KEY_NOT_ACCEPTED") := "the service does not accept API keys"

certificate_message("API_KEY_UNAVAILABLE") := "the API key could not be verified"

challenge_message("MFA_STALE") := "multi-factor authentication is too old"

challenge_message("MFA_ACR_INSUFFICIENT") := "the authentication context class is not sufficient"

challenge_message("MFA_METHOD_INSUFFICIENT") := "none of the required authentication methods was used"

challenge_message("MFA_REQUIRED") := "multi-factor authentication is required"

challenge_message("MFA_TOKEN_NOT_BOUND") := "the token is not bound to the client certificate"

challenge_message("MFA_UNAVAILABLE") := "multi-factor authentication status could not be determined"

policy_message("IP_NOT_ALLOWED") := "the client IP address is not allowed"

policy_message("OUTSIDE_TIME_WINDOW") := "access is not allowed at this time"

policy_message("SERVICE_UNKNOWN") := "the service is not configured"

policy_message("ISSUER_NOT_ALLOWED") := "the certificate issuer is not allowed"

policy_message("CLIENT_UNKNOWN") := "the client is not registered"

policy_message("CLIENT_AMBIGUOUS") := "the certificate matches more than one registered client"

policy_message("CLIENT_NOT_MIGRATING") := "the client must authenticate with its certificate"

policy_message("PROFILE_NOT_ALLOWED") := "the client is not allowed to use this profile"

policy_message("CERT_NOT_PINNED") := "the certificate is not one of the client's pinned certificates"

policy_message("GROUP_REQUIRED") := "membership of a required group is missing"

policy_message("GROUPS_UNAVAILABLE") := "group membership could not be determined"

policy_message("GROUPS_STALE") := "group membership information is stale"

policy_message("DEVICE_NOT_COMPLIANT") := "the device does not meet the posture requirements"

policy_message("DEVICE_POSTURE_UNAVAILABLE") := "device posture could not be determined"

policy_message("DEVICE_POSTURE_STALE") := "device posture information is stale"

policy_message("METHOD_NOT_ALLOWED") := "the request method is not allowed"

policy_message("RATE_LIMITED") := "rate limit exceeded"

# Rank, effect and status of each class (see classes).
class_rank("certificate") := 1

class_rank("method") := 2

class_rank("rate_limit") := 3

class_rank("policy") := 4

class_rank("challenge") := 5

rank_class(1) := "certificate"

rank_class(2) := "method"

rank_class(3) := "rate_limit"

rank_class(4) := "policy"

rank_class(5) := "challenge"

class_status("certificate") := 401

class_status("method") := 405

class_status("rate_limit") := 429

class_status("policy") := 403

class_status("challenge") := 401

class_effect("challenge") := "challenge"

class_effect(class) := "deny" if class != "challenge"

# reason(code, detail) builds one {code, message} entry. The message is the
# catalog message, followed by ": <detail>" when detail is not empty.
reason(code, "") := {"code": code, "message": base_message(code)}

reason(code, detail) := {"code": code, "message": concat(": ", [base_message(code), detail])} if detail != ""
