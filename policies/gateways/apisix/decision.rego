# METADATA
# title: APISIX opa plugin adapter
# description: |
#   Decides requests from APISIX's opa plugin (policy gateways/apisix/decision,
#   with_service: true) with the reference conditional-access policy and
#   answers in the plugin's shape: {allow, status_code, headers, reason}.
#   APISIX does not forward the client certificate, so services that
#   require one are denied (401).
# scope: package
package gateways.apisix

import data.gateways.common

# METADATA
# entrypoint: true
decision := {
	"allow": d.effect == "allow",
	"status_code": d.status,
	"headers": common.headers(d),
	"reason": common.message(d),
} if {
	# regal ignore:with-outside-test-context
	d := data.mtls.authz.decision with input as mapped_input
}

mapped_input := common.mapped(
	object.get(input, ["var", "remote_addr"], null),
	object.get(input, "request", {}),
	object.get(input, ["service", "name"], null),
	object.get(input, "time", null),
)
