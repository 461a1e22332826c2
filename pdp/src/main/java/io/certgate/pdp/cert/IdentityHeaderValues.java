package io.certgate.pdp.cert;

import io.certgate.pdp.decision.HeaderValues;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code x-ssl-*} identity headers a gateway forwards upstream for a client certificate (SPEC.md), computed
 * in one place so that the gateway and {@code cert inspect} print exactly the same values. The encoding is
 * injective ({@link HeaderValues#encode}): DNs are RFC 4514 strings, and each SAN has its commas encoded
 * before the list is joined with commas, so one SAN can never read as two.
 */
public final class IdentityHeaderValues {
    private IdentityHeaderValues() {}

    /**
     * The headers in a stable order: {@code x-ssl-verify} (the OpenSSL code), then the certificate's values.
     * {@code x-ssl-client-cn} and {@code x-ssl-client-san} are absent when the certificate has none.
     */
    public static Map<String, String> of(int verifyCode, CertificateIdentity id) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("x-ssl-verify", Integer.toString(verifyCode));
        h.put("x-ssl-client-sha1", id.sha1());
        if (id.cn() != null) {
            h.put("x-ssl-client-cn", HeaderValues.encode(id.cn()));
        }
        h.put("x-ssl-client-dn", HeaderValues.encode(id.subjectDn()));
        h.put("x-ssl-issuer-dn", HeaderValues.encode(id.issuerDn()));
        h.put("x-ssl-client-serial", id.serial());
        h.put("x-ssl-client-not-after", id.notAfter().toString());
        List<String> sans = new ArrayList<>();
        sans.addAll(id.sanDns());
        sans.addAll(id.sanUri());
        sans.addAll(id.sanEmail());
        sans.addAll(id.sanIp());
        if (!sans.isEmpty()) {
            h.put("x-ssl-client-san", String.join(",", sans.stream().map(san -> HeaderValues.encode(san, ",")).toList()));
        }
        return h;
    }
}
