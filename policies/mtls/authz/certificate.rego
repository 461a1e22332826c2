# Client certificate checks and issuer ACL.
# 401 class: CERT_MISSING, CERT_UNTRUSTED, CERT_EXPIRED, CERT_REVOKED.
# 403 class: ISSUER_NOT_ALLOWED.
package mtls.authz

cert := input.certificate if is_object(input.certificate)

cert_present if cert.present == true

# Certificate checks apply when a certificate was presented and the service
# does not ignore certificates (verify: none).
cert_in_scope if {
	cert_present
	verify_mode != "none"
}

# X509_V_ERR_CERT_HAS_EXPIRED
expired_verify_code := 10

cert_verify_failed if {
	cert_in_scope
	not cert.verified == true
}

cert_verify_failed if {
	cert_in_scope
	cert.verify_code != 0
}

cert_expired if {
	cert_in_scope
	cert.verify_code == expired_verify_code
}

cert_expired if {
	cert_in_scope
	is_number(cert.expires_in_days)
	cert.expires_in_days < 0
}

cert_expired if {
	cert_in_scope
	cert_seconds_left < 0
}

# A verification failure other than expiry.
other_verify_code if {
	cert.verify_code != 0
	cert.verify_code != expired_verify_code
}

verify_failure_is_expiry if cert.verify_code == expired_verify_code

verify_failure_is_expiry if {
	cert_expired
	not other_verify_code
}

# Fast revocation: data.mtls.revoked.{sha256,sha1} fingerprint deny-lists.
cert_revoked if fp_listed(data.mtls.revoked.sha256, cert.sha256)

cert_revoked if fp_listed(data.mtls.revoked.sha1, cert.sha1)

violations contains reason("CERT_MISSING", cert_missing_detail) if {
	verify_mode == "required"
	not cert_present
}

violations contains reason("CERT_UNTRUSTED", verify_detail) if {
	cert_verify_failed
	not verify_failure_is_expiry
}

violations contains reason("CERT_EXPIRED", expiry_detail) if cert_expired

violations contains reason("CERT_REVOKED", revoked_detail) if {
	cert_in_scope
	cert_revoked
}

violations contains reason("ISSUER_NOT_ALLOWED", issuer_detail) if {
	cert_in_scope
	count(allowed_issuers) == 0
}

default cert_missing_detail := ""

cert_missing_detail := concat("", ["service ", quote(service_id), " requires one"]) if service_id

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
	some id in service_issuer_ids
	issuer_vouches(data.mtls.issuers[id])
}

issuer_vouches(iss) if {
	is_string(iss.dn)
	iss.dn == cert.issuer_dn
} else if {
	listed := normalized_fp_list(iss.ca_sha256)
	some fp in cert.chain_sha256
	fp_in(listed, fp)
}

# Every configured issuer that vouches for the certificate (for messages).
matched_issuers contains id if {
	cert_in_scope
	some id, iss in data.mtls.issuers
	issuer_vouches(iss)
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
