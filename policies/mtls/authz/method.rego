# Request method per service and per profile.
# 405 class: METHOD_NOT_ALLOWED. services[x].methods and profiles[p].methods
# are both enforced when present (upper-case names, "*" = any).
package mtls.authz

request_method := upper(input.request.method) if is_string(input.request.method)

violations contains reason("METHOD_NOT_ALLOWED", method_detail("service", service_id)) if {
	is_array(svc.methods)
	not method_allowed(svc.methods)
}

violations contains reason("METHOD_NOT_ALLOWED", method_detail("profile", profile)) if {
	is_array(profile_methods)
	not method_allowed(profile_methods)
}

method_allowed(methods) if request_method in methods

method_allowed(methods) if "*" in methods

default method_detail(_, _) := "the request has no method"

method_detail(kind, name) := concat("", [quote(request_method), " is not allowed by ", kind, " ", quote(name)]) if {
	request_method
}
