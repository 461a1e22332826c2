package io.certgate.pdp.cert;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.annotation.Nullable;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Everything the policy may know about a client certificate, in the normalized form the gateway
 * also forwards: lowercase hex fingerprints and serial without separators, RFC 4514 DNs.
 * Verification results are not part of it: they depend on the verifier's trust, not on the bytes.
 */
public record CertificateIdentity(
        String sha1, String sha256, String subjectDn, String issuerDn, @Nullable String cn, List<String> ou,
        @Nullable String o, String serial, Instant notBefore, Instant notAfter,
        List<String> sanDns, List<String> sanUri, List<String> sanEmail, List<String> sanIp,
        @Nullable String spiffeId, List<String> chainSha256) {

    public CertificateIdentity {
        ou = List.copyOf(ou);
        sanDns = List.copyOf(sanDns);
        sanUri = List.copyOf(sanUri);
        sanEmail = List.copyOf(sanEmail);
        sanIp = List.copyOf(sanIp);
        chainSha256 = List.copyOf(chainSha256);
    }

    /** Whole days until notAfter (negative once expired), as of {@code now}. */
    public long expiresInDays(Instant now) {
        return Math.floorDiv(Duration.between(now, notAfter).getSeconds(), 86_400L);
    }

    /**
     * The {@code input.certificate} object of SPEC.md, with the caller's verification outcome.
     *
     * @param verifyCode OpenSSL X509_V_ERR number, 0 when verified
     * @param verifyError the verifier's message, or null when verified
     */
    public ObjectNode toInput(boolean verified, int verifyCode, @Nullable String verifyError, Instant now) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode c = f.objectNode();
        c.put("present", true);
        c.put("verified", verified);
        c.put("verify_code", verifyCode);
        if (verifyError != null && !verifyError.isEmpty()) {
            c.put("verify_error", verifyError);
        }
        c.put("sha1", sha1);
        c.put("sha256", sha256);
        c.put("subject_dn", subjectDn);
        c.put("issuer_dn", issuerDn);
        if (cn != null) {
            c.put("cn", cn);
        }
        strings(c.putArray("ou"), ou);
        if (o != null) {
            c.put("o", o);
        }
        c.put("serial", serial);
        c.put("not_before", notBefore.toString());
        c.put("not_after", notAfter.toString());
        c.put("expires_in_days", expiresInDays(now));
        ObjectNode san = c.putObject("san");
        strings(san.putArray("dns"), sanDns);
        strings(san.putArray("uri"), sanUri);
        strings(san.putArray("email"), sanEmail);
        strings(san.putArray("ip"), sanIp);
        if (spiffeId != null) {
            c.put("spiffe_id", spiffeId);
        }
        strings(c.putArray("chain_sha256"), chainSha256);
        return c;
    }

    private static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }
}
