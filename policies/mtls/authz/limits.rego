# Rate limits.
# 429 class: RATE_LIMITED when the gateway reports input.limits.exceeded.
# On allow: the rate-limit obligation of the identity class (the profile's
# rate_limit in data.json), so limits change with a bundle.
package mtls.authz

rate_limit_violations contains reason("RATE_LIMITED", limit_detail) if input.limits.exceeded == true

default limit_detail := ""

limit_detail := concat("", ["limit ", quote(input.limits.name)]) if is_string(input.limits.name)

# The obligations of an allow: the identity headers, plus the profile's
# rate limit when it has one (rate_limits is left out otherwise).
allow_obligations(headers, p, client_key) := {"headers": headers, "rate_limits": [limit]} if {
	limit := profile_rate_limit(p, client_key)
} else := {"headers": headers}

# profiles[p].rate_limit = {rate, period_seconds, burst?, per?}: named after
# the profile, counted per client id (client_key) or, with
# "per": "certificate", per client certificate (a fleet of devices that
# one client entry matches, each with its own budget). Values are passed as
# written: the PDP refuses a malformed one, and the request with it.
profile_rate_limit(p, client_key) := {
	"name": p,
	"key": rate_limit_key(limit, client_key),
	"rate": limit.rate,
	"period_seconds": limit.period_seconds,
	"burst": object.get(limit, "burst", limit.rate),
} if {
	limit := data.mtls.profiles[p].rate_limit
	is_object(limit)
}

rate_limit_key(limit, client_key) := cert.sha256 if {
	limit.per == "certificate"
	is_string(cert.sha256)
} else := client_key if is_string(client_key)

else := "-"

# Who an allow's rate limit counts by default: the client id, or "-" (one
# shared budget) when no client id was resolved.
default rate_limit_client_key := "-"

rate_limit_client_key := effective_client_id
