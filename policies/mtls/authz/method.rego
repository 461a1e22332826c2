# Request method per service and per profile.
# 405 class: METHOD_NOT_ALLOWED. services[x].methods and profiles[p].methods
# are both enforced when present (upper-case names, "*" = any).
package mtls.authz

request_method := upper(input.request.method) if is_string(input.request.method)

method_violations contains reason("METHOD_NOT_ALLOWED", method_detail("service", service_id)) if {
	methods := svc.methods
	is_array(methods)
	not method_allowed(methods)
}

method_violations contains reason("METHOD_NOT_ALLOWED", method_detail("profile", profile)) if {
	p := profile
	methods := data.mtls.profiles[p].methods
	is_array(methods)
	not method_allowed(methods)
}

method_allowed(methods) if request_method in methods

else if "*" in methods

default method_detail(_, _) := "the request has no method"

method_detail(kind, name) := concat("", [quote(request_method), " is not allowed by ", kind, " ", quote(name)]) if {
	request_method
}
