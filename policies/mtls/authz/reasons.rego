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
	# 401: the client certificate itself
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

# Class of a code. A code missing from the catalog (a policy bug) counts as a
# policy deny rather than being dropped: fail closed.
default class_of(_) := "policy"

class_of(code) := catalog[code].class

default base_message(_) := "access denied"

base_message(code) := catalog[code].message

# reason(code, detail) builds one {code, message} entry. The message is the
# catalog message, followed by ": <detail>" when detail is not empty.
reason(code, "") := {"code": code, "message": base_message(code)}

reason(code, detail) := {"code": code, "message": concat(": ", [base_message(code), detail])} if detail != ""
