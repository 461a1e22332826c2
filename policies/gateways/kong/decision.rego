# METADATA
# title: Kong OPA plugin adapter
# description: |
#   Decides requests from Kong's opa plugin (opa_path
#   /v1/data/gateways/kong/decision, include_service_in_opa_input: true) with
#   the reference conditional-access policy and answers in the plugin's
#   shape: {allow, status, headers, message}. Kong does not forward the
#   client certificate, so services that require one are denied (401).
# scope: package
package gateways.kong

import data.gateways.common

# METADATA
# entrypoint: true
decision := {
	"allow": d.effect == "allow",
	"status": d.status,
	"headers": common.headers(d),
	"message": common.message(d),
} if {
	# regal ignore:with-outside-test-context
	d := data.mtls.authz.decision with input as mapped_input
}

mapped_input := common.mapped(
	object.get(input, "client_ip", null),
	object.get(input, ["request", "http"], {}),
	object.get(input, ["service", "name"], null),
	object.get(input, "time", null),
)
