# METADATA
# title: mTLS conditional access
# description: |
#   Combines every concern into one decision. Precedence of outcome classes
#   (see classes in reasons.rego): certificate 401 > method 405 > rate limit
#   429 > policy 403 > MFA challenge 401 > allow 200. Only the reasons of the
#   winning class are returned, all of them, sorted by code then message.
# scope: package
package mtls.authz

# Safety net: should any part of the decision be undefined, deny.
default decision := {
	"effect": "deny",
	"status": 403,
	"reasons": [{"code": "POLICY_ERROR", "message": "the policy could not produce a decision"}],
	"obligations": {"headers": {}},
	"ttl_seconds": 0,
}

# METADATA
# entrypoint: true
decision := object.union(
	{
		"effect": effect,
		"status": status,
		"reasons": decision_reasons,
		"obligations": obligations,
		"ttl_seconds": ttl_seconds,
	},
	challenge_part,
)

violation_ranks contains classes[class_of(v.code)].rank if some v in violations

winning_class := c if {
	count(violation_ranks) > 0
	rank := min(violation_ranks)
	some c, cls in classes
	cls.rank == rank
}

default effect := "allow"

effect := classes[winning_class].effect

default status := 200

status := classes[winning_class].status

decision_reasons := sort([v | some v in violations; class_of(v.code) == winning_class])

default challenge_part := {}

challenge_part := {"challenge": challenge} if effect == "challenge"

# --- TTL -------------------------------------------------------------------------

ttl_seconds := 0 if {
	effect == "challenge"
} else := deny_ttl_seconds if {
	effect == "deny"
} else := allow_ttl_seconds

default deny_ttl_seconds := 5

deny_ttl_seconds := non_negative_int(setting("deny_ttl_seconds"))

default base_ttl_seconds := 300

base_ttl_seconds := non_negative_int(setting("ttl_seconds"))

# min(service/default TTL, time left in the current time window, time left
# before the certificate's not_after, time left before MFA gets too old).
ttl_bounds contains base_ttl_seconds

ttl_bounds contains time_window_seconds_left

ttl_bounds contains cert_seconds_left if cert_in_scope

ttl_bounds contains mfa_seconds_left

allow_ttl_seconds := max({0, floor(min(ttl_bounds))})

# --- obligations ---------------------------------------------------------------------

default obligations := {"headers": {}}

obligations := {"headers": identity_headers} if effect == "allow"

identity_headers["x-authenticated-userid"] := authenticated_user_id

identity_headers["x-client-id"] := effective_client_id

identity_headers["x-profile-id"] := profile

identity_headers["x-roles"] := concat(",", sort([r | some r in roles])) if count(roles) > 0

# Values taken from the request (subject id, certificate names) are cleaned;
# client ids, profiles and roles come from data.json and the PEP's config.
authenticated_user_id := header_safe(input.subject.id) if {
	is_string(input.subject.id)
	input.subject.id != ""
} else := client.user_id if {
	is_string(client.user_id)
} else := effective_client_id

effective_client_id := client_id if {
	count(matched_clients) == 1
} else := header_safe(cert_label) if {
	cert_in_scope
	allow_any_client
	count(matched_clients) == 0
}

# Roles: the client's roles plus data.mtls.group_roles of the subject's groups.
roles contains r if {
	some r in client.roles
	is_string(r)
}

roles contains r if {
	some g in subject_groups
	some r in data.mtls.group_roles[g]
	is_string(r)
}

# Header values never carry CR, LF or NUL.
header_safe(s) := replace(replace(replace(s, "\r", ""), "\n", ""), "\u0000", "")
