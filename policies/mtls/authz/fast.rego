# Fast checks: the common allow, checked in one rule body per class.
#
# Most requests are allowed, and the full evaluation (a rule per check, each
# memoized in WebAssembly, every reason of every class; see decision.rego)
# is what costs. Each fast_*_clear rule below checks one class of reasons
# in one body instead, with the facts read once into local variables and
# the same helper functions as the concerns' own rules.
#
# They are only shortcuts, and sound ones: a fast_*_clear rule is false as
# soon as anything fails or is out of the ordinary (a missing fact, an
# unusual setting, a bound that would need date arithmetic), and it is
# true (or a non-false value) only when the class has no failing reason at
# all. violations (decision.rego) skips the reasons of the classes found
# clear here; when all are clear, fast_allow is the decision, and it equals
# the full evaluation's allow. The tests of fast_test.rego compare both on
# many requests and settings. A change to what a check accepts must be made
# here too.
package mtls.authz

# The allow, from the values the fast checks found: [client id, client,
# profile] and the MFA seconds left (null when no MFA is required).
fast_allow := {
	"effect": "allow",
	"status": 200,
	"reasons": [],
	"obligations": allow_obligations(fast_headers(fast_user_id(cl, id), id, p, roles), p, id),
	"ttl_seconds": fast_ttl(base_ttl_seconds, mfa_left),
} if {
	fast_certificate_clear
	fast_method_clear
	[id, cl, p] := fast_policy_clear
	[mfa_left] := fast_challenge_clear

	# the client's roles and those of the subject's (usable) groups
	roles := client_roles(cl) | {r |
		groups_usable
		group_roles := data.mtls.group_roles
		some g in input.subject.groups
		is_string(g)
		some r in group_roles[g]
		is_string(r)
	}
}

# Certificate (401): presented, verified, not near its expiry (no date
# arithmetic and no TTL bound: see cert_days_left_exceed_ttl), not revoked.
default fast_certificate_clear := false

fast_certificate_clear if {
	c := cert
	c.present == true
	verify_mode != "none"
	c.verified == true
	c.verify_code == 0
	days := c.expires_in_days
	is_number(days)
	days >= 2
	base_ttl_seconds <= 86400
	not revoked_cert(c)
}

# Method (405) and rate limit (429).
default fast_method_clear := false

fast_method_clear if {
	s := svc
	method := input.request.method
	is_string(method)
	m := upper(method)
	methods_permit(s, m)
	methods_permit(profile_entry(fast_profile(input.service, s)), m)
	not input.limits.exceeded == true
}

# Policy (403), cheapest and most telling checks first. The time windows
# must leave more than an hour (see time_window_outlasts_base_ttl): they do
# not bound the TTL then.
default fast_policy_clear := false

fast_policy_clear := [id, cl, p] if {
	s := svc
	issuers := allowed_issuers
	count(issuers) > 0
	ip := plain_ip(input.connection.client_ip)
	cidrs_permit(s, ip)
	count(issuers_denying_ip) == 0
	windows_permit(s)
	groups_permit(s)
	device_permits(s)
	ids := matched_clients
	count(ids) == 1
	some id in ids
	cl := data.mtls.clients[id]
	p := fast_profile(input.service, s)
	profile_permitted(cl, p)
	cidrs_permit(cl, ip)
	pin_permits(cl)
}

# MFA (challenge): [seconds until the MFA gets too old], [null] when the
# service requires no MFA.
default fast_challenge_clear := false

fast_challenge_clear := [null] if {
	not svc.mfa
} else := [left] if {
	config := svc.mfa
	is_object(config)
	path := input.request.path
	is_string(path)
	request := substring(path, 0, indexof(path, "?"))
	rules := [rule | some rule in config.paths; path_rule_matches(rule, request)]
	left := mfa_seconds_left_of(config, rules)
}

fast_profile(requested, s) := p if {
	p := requested.profile
	is_string(p)
	p != ""
} else := p if {
	p := s.profile
	is_string(p)
}

revoked_cert(c) if revoked_fingerprint(data.mtls.revoked, c)

# (obj.methods as a reference, not an argument: "not f(x)" with an
# undefined x is not true in Rego.)
methods_permit(obj, m) if not obj.methods

else if m in obj.methods

else if "*" in obj.methods

profile_entry(p) := entry if {
	entry := data.mtls.profiles[p]
} else := {}

profile_permitted(cl, p) if not cl.profiles

else if p in cl.profiles

pin_permits(cl) if not cl.pinned

else if not pins_certificates(cl.pinned)

else if client_cert_pinned

cidrs_permit(obj, ip) if not obj.allowed_cidrs

else if ip_in(obj.allowed_cidrs, ip)

groups_permit(s) if not s.groups.any_of

else if group_requirement_permits(s.groups.any_of)

group_requirement_permits(required) if count(required) == 0

else if {
	is_array(required)
	groups_usable
	has_required_group(required)
}

device_permits(s) if not s.device.require

else if posture_permits(s.device.require)

posture_permits(require) if {
	is_object(require)
	count(require) == 0
} else if {
	is_object(require)
	posture_object := posture
	device_usable(device_status)
	every key, want in require {
		posture_ok(posture_object, key, want)
	}
}

# An open window that ends more than two hours from now: it cannot bound a
# TTL of at most an hour (see time_window_outlasts_base_ttl).
windows_permit(s) if not s.time_windows

else if count(s.time_windows) == 0

else if {
	base_ttl_seconds <= 3600
	some [now, start, end] in open_windows
	start < end
	ends_in_over_two_hours(now, end)
}

mfa_seconds_left_of(config, rules) := null if {
	not config.required == true
	count(rules) == 0
} else := max_age - age if {
	mfa := input.mfa
	not mfa.status == "unavailable"
	mfa.verified == true
	age := mfa.age_seconds
	is_number(age)
	age >= 0
	max_age := strictest_max_age(array.concat(
		[config.max_age_seconds | is_number(config.max_age_seconds)],
		[rule.max_age_seconds | some rule in rules; is_number(rule.max_age_seconds)],
	))
	age <= max_age
	accepted_if_listed(accepted_listed(config, rules, "acr_values"), "acr")
	accepted_if_listed(accepted_listed(config, rules, "amr_any_of"), "amr")
	token_binding_permits(mfa, config, rules)
}

accepted_if_listed(listed, kind) if count(listed) == 0

else if {
	kind == "acr"
	acr_accepted(listed)
} else if {
	kind == "amr"
	method_used(listed)
}

token_binding_permits(mfa, config, rules) if mfa.token_bound == true

else if not token_binding_required(config, rules)

# The allow TTL: min(base, MFA seconds left) (the certificate and window
# bounds do not apply, see above), floored, never below 0.
fast_ttl(base, null) := base

fast_ttl(base, left) := base if {
	left != null
	base <= left
} else := at_least_zero(floor(left)) if left != null

# The identity headers of an allow (see identity_headers).
fast_user_id(cl, id) := header_safe(input.subject.id) if {
	is_string(input.subject.id)
	input.subject.id != ""
} else := cl.user_id if {
	is_string(cl.user_id)
} else := id

client_roles(cl) := {r | some r in cl.roles; is_string(r)}

fast_headers(user, id, p, roles) := {
	"x-authenticated-userid": user,
	"x-client-id": id,
	"x-profile-id": p,
	"x-roles": concat(",", sort(roles)),
} if {
	count(roles) > 0
} else := {
	"x-authenticated-userid": user,
	"x-client-id": id,
	"x-profile-id": p,
}
