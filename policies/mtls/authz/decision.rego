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

# The decision of each effect is written out: every rule costs a
# memoization in WebAssembly. The obligations are only filled on allow; the
# TTL is 0 on challenge, deny_ttl_seconds on deny, allow_ttl_seconds on
# allow.

# METADATA
# entrypoint: true
decision := fast_allow if {
	# the common allow, checked in one go (fast.rego)
	is_object(fast_allow)
} else := {
	"effect": "challenge",
	"status": 401,
	"reasons": decision_reasons,
	"obligations": {"headers": {}},
	"ttl_seconds": 0,
	"challenge": challenge,
} if {
	effect == "challenge"
} else := {
	"effect": "deny",
	"status": status,
	"reasons": decision_reasons,
	"obligations": {"headers": {}},
	"ttl_seconds": deny_ttl_seconds,
} if {
	effect == "deny"
} else := {
	"effect": "allow",
	"status": 200,
	"reasons": [],
	"obligations": obligations_of_allow,
	"ttl_seconds": allow_ttl_seconds,
} if {
	effect == "allow"
}

# The failing reasons of the winning class. Each concern adds its reasons to
# the set of their class (certificate_violations, method_violations,
# rate_limit_violations, policy_violations, challenge_violations); the
# classes are evaluated in precedence order and the first one with a
# failing reason wins, so the checks of the classes it hides are skipped.
# The classes that the fast checks (fast.rego) found clear are skipped.
default violations := set()

violations := certificate_violations if {
	not fast_certificate_clear
	count(certificate_violations) > 0
} else := method_violations if {
	not fast_method_clear
	count(method_violations) > 0
} else := rate_limit_violations if {
	not fast_method_clear
	count(rate_limit_violations) > 0
} else := policy_violations if {
	not fast_policy_clear
	count(policy_violations) > 0
} else := challenge_violations if {
	not fast_challenge_clear
}

violation_ranks := [class_rank(class_of(v.code)) | some v in violations]

winning_class := rank_class(min(violation_ranks)) if count(violation_ranks) > 0

default effect := "allow"

effect := class_effect(winning_class)

default status := 200

status := class_status(winning_class)

decision_reasons := sort([v | some v in violations; class_of(v.code) == winning_class])

# --- TTL -------------------------------------------------------------------------

default deny_ttl_seconds := 5

deny_ttl_seconds := non_negative_int(setting("deny_ttl_seconds"))

default base_ttl_seconds := 300

base_ttl_seconds := non_negative_int(setting("ttl_seconds"))

# min(service/default TTL, time left in the current time window, time left
# before the certificate's not_after, time left before MFA gets too old).
ttl_bounds contains base_ttl_seconds

ttl_bounds contains time_window_seconds_left if not time_window_outlasts_base_ttl

ttl_bounds contains cert_seconds_left if cert_in_scope

ttl_bounds contains mfa_seconds_left

# max(0, floor(min(ttl_bounds)))
allow_ttl_seconds := at_least_zero(floor(min(ttl_bounds)))

at_least_zero(n) := n if n >= 0

else := 0

# --- obligations ---------------------------------------------------------------------

obligations_of_allow := allow_obligations(identity_headers, p, rate_limit_client_key) if {
	p := profile
} else := {"headers": identity_headers}

identity_headers["x-authenticated-userid"] := authenticated_user_id

identity_headers["x-client-id"] := effective_client_id

identity_headers["x-profile-id"] := profile

identity_headers["x-roles"] := concat(",", sort(roles)) if count(roles) > 0

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
} else := client_id if api_key

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
