package io.certgate.pdp.cert;

import io.certgate.pdp.decision.HeaderValues;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code x-ssl-*} identity headers a gateway forwards upstream for a client certificate (SPEC.md), computed
 * in one place so that the gateway and {@code cert inspect} print exactly the same values.
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
            h.put("x-ssl-client-cn", safe(id.cn()));
        }
        h.put("x-ssl-client-dn", safe(id.subjectDn()));
        h.put("x-ssl-issuer-dn", safe(id.issuerDn()));
        h.put("x-ssl-client-serial", id.serial());
        h.put("x-ssl-client-not-after", id.notAfter().toString());
        List<String> sans = new ArrayList<>();
        sans.addAll(id.sanDns());
        sans.addAll(id.sanUri());
        sans.addAll(id.sanEmail());
        sans.addAll(id.sanIp());
        if (!sans.isEmpty()) {
            h.put("x-ssl-client-san", safe(String.join(",", sans)));
        }
        return h;
    }

    /**
     * A header value that survives HTTP/1 and HPACK unchanged: control characters percent-encoded (as
     * {@link HeaderValues#sanitize}) and every non-ASCII character percent-encoded as UTF-8. Without the
     * latter, Latin-1 characters went out as raw obs-text bytes and all others as '?', so different names
     * ("漢字", "中文") reached the upstream as the same "??".
     */
    public static String safe(String value) {
        String s = HeaderValues.sanitize(value);
        int ascii = 0;
        while (ascii < s.length() && s.charAt(ascii) < 0x7f) {
            ascii++;
        }
        if (ascii == s.length()) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length() + 16).append(s, 0, ascii);
        for (byte b : s.substring(ascii).getBytes(StandardCharsets.UTF_8)) {
            if (b >= 0x20 && b < 0x7f) {
                sb.append((char) b);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return sb.toString();
    }
}
