# Client certificate checks and issuer ACL.
# 401 class: CERT_MISSING, CERT_UNTRUSTED, CERT_EXPIRED, CERT_REVOKED.
# 403 class: ISSUER_NOT_ALLOWED.
package mtls.authz

cert := c if {
	c := input.certificate
	is_object(c)
}

# Certificate checks apply when a certificate was presented (present is
# true) and the service does not ignore certificates (verify: none).
cert_in_scope if {
	cert.present == true
	verify_mode != "none"
}

# (10 is X509_V_ERR_CERT_HAS_EXPIRED. Helpers used by a single rule are
# functions or inlined: every rule costs a memoization in WebAssembly.)
cert_unverified(c) if not c.verified == true

else if c.verify_code != 0

# (An else chain: the date arithmetic of the last check is skipped when an
# earlier one already tells.)
cert_expired if {
	cert_in_scope
	cert_expiry_reached(cert)
}

cert_expiry_reached(c) if {
	c.verify_code == 10
} else if {
	days := c.expires_in_days
	is_number(days)
	days < 0
} else if {
	cert_seconds_left < 0
}

# A verification failure that is the expiry: code 10, or an expired
# certificate without another code.
verify_failure_is_expiry if cert.verify_code == 10

verify_failure_is_expiry if {
	cert_expired
	not other_verify_code(cert)
}

other_verify_code(c) if {
	code := c.verify_code
	code != 0
	code != 10
}

# Fast revocation: data.mtls.revoked.{sha256,sha1} fingerprint deny-lists.
revoked_fingerprint(revoked, c) if fp_listed(revoked.sha256, c.sha256)

else if fp_listed(revoked.sha1, c.sha1)

certificate_violations contains reason("CERT_MISSING", cert_missing_detail) if {
	verify_mode == "required"
	not cert.present == true
}

certificate_violations contains reason("CERT_UNTRUSTED", verify_detail) if {
	cert_in_scope
	cert_unverified(cert)
	not verify_failure_is_expiry
}

certificate_violations contains reason("CERT_EXPIRED", expiry_detail) if cert_expired

certificate_violations contains reason("CERT_REVOKED", revoked_detail) if {
	cert_in_scope
	revoked_fingerprint(data.mtls.revoked, cert)
}

policy_violations contains reason("ISSUER_NOT_ALLOWED", issuer_detail) if {
	cert_in_scope
	count(allowed_issuers) == 0
}

default cert_missing_detail := ""

cert_missing_detail := concat("", ["service ", quote(service_id), " requires one"]) if {
	service_id
	svc
}

# An unknown service gets the defaults (verify: required): say so rather than
# that the service asks for a certificate.
cert_missing_detail := concat("", [
	"service ", quote(service_id),
	" is not in data.mtls.services, and a service that is not configured requires one",
]) if {
	service_id
	not svc
}

default verify_detail := "the certificate was not verified"

verify_detail := concat("", ["verify_code ", text(cert.verify_code), " (", cert.verify_error, ")"]) if {
	is_string(cert.verify_error)
	cert.verify_code != null
} else := concat("", ["verify_code ", text(cert.verify_code)]) if {
	cert.verify_code != null
}

default expiry_detail := ""

expiry_detail := concat("", ["not after ", cert.not_after]) if is_string(cert.not_after)

default revoked_detail := ""

revoked_detail := concat("", ["serial ", cert.serial]) if is_string(cert.serial)

# --- issuer ACL ------------------------------------------------------------------

# Issuers the service accepts: services[x].issuers (issuer ids); absent =
# every issuer of data.mtls.issuers.
default service_issuer_ids := set()

service_issuer_ids := svc.issuers if {
	is_array(svc.issuers)
} else := object.keys(data.mtls.issuers) if {
	is_object(data.mtls.issuers)
}

# Accepted issuers that vouch for the certificate: by issuer DN (exact
# RFC 4514 string) or by the SHA-256 of any certificate of the verified
# chain (data.mtls.issuers[x].ca_sha256, normalized).
allowed_issuers contains id if {
	cert_in_scope
	c := cert
	issuers := data.mtls.issuers
	some id in service_issuer_ids
	issuer_vouches(issuers[id], c)
}

issuer_vouches(iss, c) if {
	is_string(iss.dn)
	iss.dn == c.issuer_dn
} else if {
	listed := normalized_fp_list(iss.ca_sha256)
	some fp in c.chain_sha256
	fp_in(listed, fp)
}

# Every configured issuer that vouches for the certificate (for messages).
matched_issuers contains id if {
	cert_in_scope
	c := cert
	some id, iss in data.mtls.issuers
	issuer_vouches(iss, c)
}

default issuer_detail := "the certificate names no issuer"

issuer_detail := concat("", [
	"issuer ", join_sorted(matched_issuers),
	" is not allowed for service ", quote(service_id),
]) if {
	count(matched_issuers) > 0
	service_id
} else := concat("", ["issuer ", quote(cert.issuer_dn), " is not a configured issuer"]) if {
	count(matched_issuers) == 0
	cert.issuer_dn != null
}
