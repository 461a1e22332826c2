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
	c := cert
	issuers := allowed_issuers
	some id, registered in data.mtls.clients
	client_matches(c, issuers, registered.match)
}

# (c: the certificate, issuers: the accepted issuers that vouch for it.)
client_matches(c, issuers, m) if {
	is_object(m)
	count(m) > 0
	issuer_may_match(issuers, m)
	every key, value in m {
		key_matches(c, issuers, key, value)
	}
}

# Most clients are bound to an issuer: checked first, as the other keys of
# a client of another issuer need not be looked at (every is no early exit).
issuer_may_match(issuers, m) if not m.issuer

else if values_match(issuers, m.issuer)

# key_matches(c, key, value): the certificate c has the attribute key with
# the value (or, for a list, one of the values). An else chain on the key:
# every match key of every client is checked on each evaluation.
key_matches(c, issuers, key, value) if {
	key == "issuer"
	values_match(issuers, value)
} else if {
	values_match(multi_valued_attribute(c, key), value)
} else if {
	string_attribute_key(key)
	value_matches(c[key], value)
}

# The certificate's multi-valued attributes, by match key.
multi_valued_attribute(c, "ou") := c.ou if is_array(c.ou)

multi_valued_attribute(c, "san_email") := c.san.email if is_array(c.san.email)

multi_valued_attribute(c, "san_dns") := c.san.dns if is_array(c.san.dns)

multi_valued_attribute(c, "san_uri") := c.san.uri if is_array(c.san.uri)

# Match keys of single-valued attributes, named as in the certificate.
string_attribute_key("spiffe_id")

string_attribute_key("cn")

string_attribute_key("o")

string_attribute_key("subject_dn")

# A multi-valued attribute (a list in the certificate) matches a value in it,
# or a list value one of whose elements is in it.
values_match(have, value) if value in have

else if {
	is_array(value)
	some v in value
	v in have
}

# A single-valued attribute (a string in the certificate) matches the same
# value, or a list value holding it.
value_matches(have, value) if {
	is_string(have)
	value == have
} else if {
	is_string(have)
	is_array(value)
	have in value
}

# Without a certificate, a valid API key names the client (api_keys.rego).
client_id := id if {
	count(matched_clients) == 1
	some id in matched_clients
} else := api_key_client_id if api_keys_accepted

client := data.mtls.clients[client_id]

# Clients of an allowed issuer are accepted without registration when the
# service (or the defaults) say allow_any_client: true.
allow_any_client if setting("allow_any_client") == true

# client.pinned: {sha256: [...], sha1: [...]}; when any fingerprint is
# listed, the certificate must be one of them.
pins_certificates(pinned) if count(pinned.sha256) > 0

else if count(pinned.sha1) > 0

cert_pinned(pinned, c) if fp_listed(pinned.sha256, c.sha256)

else if fp_listed(pinned.sha1, c.sha1)

# (A function with profile inside: "not x in y" with an undefined x is not
# true in Rego.)
profile_listed(profiles) if profile in profiles

policy_violations contains reason(
	"CLIENT_UNKNOWN",
	concat("", ["no registered client matches ", quote(cert_label)]),
) if {
	cert_in_scope
	count(matched_clients) == 0
	not allow_any_client
}

policy_violations contains reason("CLIENT_AMBIGUOUS", join_sorted(matched_clients)) if count(matched_clients) > 1

# client.profiles (list): profiles the client may use; absent = any profile.
policy_violations contains reason("PROFILE_NOT_ALLOWED", profile_detail) if {
	profiles := client.profiles
	is_array(profiles)
	not profile_listed(profiles)
}

policy_violations contains reason("CERT_NOT_PINNED", concat("", ["client ", quote(client_id)])) if {
	cert_in_scope
	pins_certificates(client.pinned)
	not client_cert_pinned
}

# (A rule, with a default: normalizing the fingerprint lists is done once
# for both the fast check and the reasons.)
default client_cert_pinned := false

client_cert_pinned if cert_pinned(client.pinned, cert)

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
