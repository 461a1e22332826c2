# Client IP allow-lists.
# 403 class: IP_NOT_ALLOWED. allowed_cidrs lists (IPv4 and IPv6 CIDRs, or
# single addresses) on the service, on every matched allowed issuer and on
# the client (to catch a certificate used from an unexpected network).
# Absent list = no restriction; an empty list allows no address.
package mtls.authz

# IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are read as IPv4, as OPA's Go
# runtime does (its WebAssembly runtime would not match them against IPv4 CIDRs).
client_ip := plain_ip(input.connection.client_ip)

plain_ip(ip) := substring(ip, 7, -1) if {
	startswith(ip, "::")
	startswith(lower(ip), "::ffff:")
	contains(ip, ".")
} else := ip if {
	is_string(ip)
}

# (An else chain, trying the first entry on its own: a loop is not left
# early in WebAssembly, and every net.cidr_contains parses its arguments.)
ip_allowed(cidrs) if ip_in(cidrs, client_ip)

ip_in(cidrs, ip) if ip in cidrs

else if net.cidr_contains(cidrs[0], ip)

else if net.cidr_contains(cidrs[1], ip)

else if net.cidr_contains(cidrs[2], ip)

else if {
	some i, c in cidrs
	i > 2
	net.cidr_contains(c, ip)
}

policy_violations contains reason("IP_NOT_ALLOWED", ip_detail("service", service_id)) if {
	cidrs := svc.allowed_cidrs
	is_array(cidrs)
	not ip_allowed(cidrs)
}

policy_violations contains reason("IP_NOT_ALLOWED", ip_detail("issuer", id)) if {
	some id in issuers_denying_ip
}

policy_violations contains reason("IP_NOT_ALLOWED", ip_detail("client", client_id)) if {
	cidrs := client.allowed_cidrs
	is_array(cidrs)
	not ip_allowed(cidrs)
}

# (A rule: computed once for the fast check and the reasons.)
issuers_denying_ip contains id if {
	issuers := data.mtls.issuers
	some id in allowed_issuers
	cidrs := issuers[id].allowed_cidrs
	is_array(cidrs)
	not ip_allowed(cidrs)
}

default ip_detail(_, _) := "the client IP address is unknown"

ip_detail(kind, name) := concat("", [client_ip, " is not in the allow-list of ", kind, " ", quote(name)]) if client_ip
