# Client IP allow-lists.
# 403 class: IP_NOT_ALLOWED. allowed_cidrs lists (IPv4 and IPv6 CIDRs, or
# single addresses) on the service, on every matched allowed issuer and on
# the client (to catch a certificate used from an unexpected network).
# Absent list = no restriction; an empty list allows no address.
package mtls.authz

# IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are read as IPv4, as OPA's Go
# runtime does (its WebAssembly runtime would not match them against IPv4 CIDRs).
client_ip := substring(input.connection.client_ip, 7, -1) if {
	startswith(lower(input.connection.client_ip), "::ffff:")
	contains(input.connection.client_ip, ".")
} else := input.connection.client_ip if {
	is_string(input.connection.client_ip)
}

ip_allowed(cidrs) if {
	some c in cidrs
	net.cidr_contains(c, client_ip)
}

ip_allowed(cidrs) if client_ip in cidrs

issuer_cidrs[id] := cidrs if {
	some id in allowed_issuers
	cidrs := data.mtls.issuers[id].allowed_cidrs
	is_array(cidrs)
}

violations contains reason("IP_NOT_ALLOWED", ip_detail("service", service_id)) if {
	is_array(svc.allowed_cidrs)
	not ip_allowed(svc.allowed_cidrs)
}

violations contains reason("IP_NOT_ALLOWED", ip_detail("issuer", id)) if {
	some id, cidrs in issuer_cidrs
	not ip_allowed(cidrs)
}

violations contains reason("IP_NOT_ALLOWED", ip_detail("client", client_id)) if {
	is_array(client.allowed_cidrs)
	not ip_allowed(client.allowed_cidrs)
}

default ip_detail(_, _) := "the client IP address is unknown"

ip_detail(kind, name) := concat("", [client_ip, " is not in the allow-list of ", kind, " ", quote(name)]) if client_ip
