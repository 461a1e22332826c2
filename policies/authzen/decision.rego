# METADATA
# title: AuthZEN access evaluation
# description: |
#   Decides OpenID AuthZEN 1.0 requests with the reference conditional-access
#   policy: the AuthZEN subject, action, resource and context are mapped onto
#   the mtls.authz input shape and data.mtls.authz.decision decides, so both
#   APIs answer from the same rules and data.
#     subject.id                       -> subject.id
#     subject.properties.groups        -> subject.groups (and groups_status)
#     subject.properties.certificate   -> certificate (facts, as the PEP saw them)
#     action.name                      -> request.method
#     resource.id (type "service")     -> service.id
#     resource.properties.path / host  -> request.path / request.host
#     context.connection / mfa / device -> connection / mfa / device
#     time (added by the PDP)          -> time
# scope: package
package authzen

# METADATA
# entrypoint: true
decision := {
	"decision": mtls_decision.effect == "allow",
	"context": object.union(
		{
			"effect": mtls_decision.effect,
			"status": mtls_decision.status,
			"reasons": mtls_decision.reasons,
			"obligations": mtls_decision.obligations,
		},
		challenge_part,
	),
}

# The reference policy decides; `with` re-targets it at the mapped input
# (one evaluation per request, so the cost regal warns about does not apply).
mtls_decision := d if {
	# regal ignore:with-outside-test-context
	d := data.mtls.authz.decision with input as mapped_input
}

default challenge_part := {}

challenge_part := {"challenge": mtls_decision.challenge} if mtls_decision.challenge

subject_props := input.subject.properties if is_object(input.subject.properties)

resource_props := input.resource.properties if is_object(input.resource.properties)

mapped_input["time"] := input.time if is_object(input.time)

mapped_input["certificate"] := subject_props.certificate if is_object(subject_props.certificate)

mapped_input["subject"] := subject_fields

subject_fields["id"] := input.subject.id if is_string(input.subject.id)

subject_fields["groups"] := subject_props.groups if is_array(subject_props.groups)

subject_fields["groups_status"] := subject_props.groups_status if is_string(subject_props.groups_status)

mapped_input["request"] := request_fields

request_fields["method"] := input.action.name if is_string(input.action.name)

request_fields["path"] := resource_props.path if is_string(resource_props.path)

request_fields["host"] := resource_props.host if is_string(resource_props.host)

mapped_input["service"] := service_fields

service_fields["id"] := input.resource.id if {
	input.resource.type == "service"
	is_string(input.resource.id)
}

service_fields["profile"] := resource_props.profile if is_string(resource_props.profile)

mapped_input[name] := input.context[name] if {
	some name in {"connection", "mfa", "device"}
	is_object(input.context[name])
}
