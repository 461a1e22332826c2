# Client binding.
# Maps the certificate to a registered client of data.mtls.clients with the
# client's match object, then checks the client's profile binding and
# certificate pinning.
# 403 class: CLIENT_UNKNOWN, CLIENT_AMBIGUOUS, PROFILE_NOT_ALLOWED, CERT_NOT_PINNED.
package mtls.authz

# A client matches when every key of its match object matches the
# certificate (AND). A value may be a list, meaning any of its elements (OR).
# An empty or malformed match object, or an unknown key, matches nothing.
matched_clients contains id if {
	cert_in_scope
	some id, c in data.mtls.clients
	client_matches(c.match)
}

client_matches(m) if {
	is_object(m)
	count(m) > 0
	every key, value in m {
		attribute_matches(cert_attributes[key], value)
	}
}

attribute_matches(have, value) if value in have

attribute_matches(have, value) if {
	is_array(value)
	some v in value
	v in have
}

# The certificate's identity attributes, each as a set of values, built once
# per evaluation: match keys are looked up here.
cert_attributes["spiffe_id"] := {cert.spiffe_id} if is_string(cert.spiffe_id)

cert_attributes["cn"] := {cert.cn} if is_string(cert.cn)

cert_attributes["o"] := {cert.o} if is_string(cert.o)

cert_attributes["subject_dn"] := {cert.subject_dn} if is_string(cert.subject_dn)

cert_attributes["ou"] := {x | some x in cert.ou} if is_array(cert.ou)

cert_attributes["san_dns"] := {x | some x in cert.san.dns} if is_array(cert.san.dns)

cert_attributes["san_uri"] := {x | some x in cert.san.uri} if is_array(cert.san.uri)

cert_attributes["san_email"] := {x | some x in cert.san.email} if is_array(cert.san.email)

cert_attributes["issuer"] := allowed_issuers

client_id := id if {
	count(matched_clients) == 1
	some id in matched_clients
}

client := data.mtls.clients[client_id]

# Clients of an allowed issuer are accepted without registration when the
# service (or the defaults) say allow_any_client: true.
allow_any_client if setting("allow_any_client") == true

# client.pinned: {sha256: [...], sha1: [...]}; when any fingerprint is
# listed, the certificate must be one of them.
client_pins_certificates if count(client.pinned.sha256) > 0

client_pins_certificates if count(client.pinned.sha1) > 0

cert_pinned if fp_listed(client.pinned.sha256, cert.sha256)

cert_pinned if fp_listed(client.pinned.sha1, cert.sha1)

# (A separate rule: "not x in y" with an undefined x is not true in Rego.)
client_profile_allowed if profile in client.profiles

violations contains reason("CLIENT_UNKNOWN", concat("", ["no registered client matches ", quote(cert_label)])) if {
	cert_in_scope
	count(matched_clients) == 0
	not allow_any_client
}

violations contains reason("CLIENT_AMBIGUOUS", join_sorted(matched_clients)) if count(matched_clients) > 1

# client.profiles (list): profiles the client may use; absent = any profile.
violations contains reason("PROFILE_NOT_ALLOWED", profile_detail) if {
	is_array(client.profiles)
	not client_profile_allowed
}

violations contains reason("CERT_NOT_PINNED", concat("", ["client ", quote(client_id)])) if {
	client_pins_certificates
	not cert_pinned
}

default cert_label := "the certificate"

cert_label := cert.spiffe_id if {
	is_string(cert.spiffe_id)
} else := cert.cn if {
	is_string(cert.cn)
} else := cert.subject_dn if {
	is_string(cert.subject_dn)
}

default profile_detail := "the request has no profile"

profile_detail := concat("", ["client ", quote(client_id), " is not bound to profile ", quote(profile)]) if profile
