# Rate limits reported by the gateway.
# 429 class: RATE_LIMITED when input.limits.exceeded is true.
package mtls.authz

rate_limit_violations contains reason("RATE_LIMITED", limit_detail) if input.limits.exceeded == true

default limit_detail := ""

limit_detail := concat("", ["limit ", quote(input.limits.name)]) if is_string(input.limits.name)
