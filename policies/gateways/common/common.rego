# METADATA
# title: Gateway plugin adapters, shared part
# description: |
#   Maps what an OPA gateway plugin sends onto the mtls.authz input shape
#   and turns a decision into plugin answers.
# scope: package
package gateways.common

# Request headers passed on to the policy (never credentials such as
# authorization or cookie).
forwarded_headers := ["accept", "content-type", "user-agent", "x-request-id"]

# mapped(client_ip, request, service_name, now) is the mtls.authz input.
mapped(client_ip, request, service_name, now) := object.union_n([
	{"certificate": {"present": false}},
	{k: v | some k, v in {"time": now}; is_object(v)},
	{"connection": {k: v | some k, v in {"client_ip": client_ip}; is_string(v)}},
	{"request": request_part(request)},
	{"service": {k: v | some k, v in {"id": service_name}; is_string(v)}},
])

request_part(request) := object.union(
	{k: v | some k in ["method", "path", "host"]; v := request[k]; is_string(v)},
	{"headers": object.filter(object.get(request, "headers", {}), forwarded_headers)},
)

# headers(d): obligations on allow; the step-up challenge on a challenge.
headers(d) := d.obligations.headers if d.effect == "allow"

headers(d) := {"WWW-Authenticate": concat("", [
	"Bearer error=\"insufficient_user_authentication\", acr_values=\"",
	d.challenge.acr_values,
	"\"",
])} if {
	d.effect == "challenge"
}

headers(d) := {} if d.effect == "deny"

default message(_) := "access denied"

message(d) := d.reasons[0].message if count(d.reasons) > 0
