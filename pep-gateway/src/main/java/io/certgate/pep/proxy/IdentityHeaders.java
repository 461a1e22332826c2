package io.certgate.pep.proxy;

import com.linecorp.armeria.common.RequestHeadersBuilder;
import io.certgate.pdp.cert.CertificateIdentity;
import io.certgate.pdp.decision.HeaderValues;
import io.certgate.pep.tls.ClientVerification;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The identity headers the upstream receives. Every incoming copy of these names is removed first,
 * whatever the decision, so a client can never assert its own identity.
 */
final class IdentityHeaders {
    static final String VERIFY = "x-ssl-verify";
    private static final String PREFIX = "x-ssl-";
    /** Obligation names of the reference policy; obligations of a decision are stripped too. */
    static final Set<String> OBLIGATION_NAMES = Set.of("x-authenticated-userid", "x-client-id", "x-profile-id",
            "x-roles", "x-decision-id");

    private IdentityHeaders() {}

    static boolean isIdentityHeader(String lowerCaseName) {
        return lowerCaseName.startsWith(PREFIX) || OBLIGATION_NAMES.contains(lowerCaseName);
    }

    /** Removes every identity header (any case) from the request. */
    static void strip(RequestHeadersBuilder headers, Set<String> extraNames) {
        List<String> doomed = new ArrayList<>();
        headers.forEach((name, value) -> {
            String n = name.toString().toLowerCase(Locale.ROOT);
            if (isIdentityHeader(n) || extraNames.contains(n)) {
                doomed.add(n);
            }
        });
        doomed.forEach(headers::remove);
    }

    /** Adds the {@code x-ssl-*} headers of SPEC.md for the client's certificate, when there is one. */
    static void add(RequestHeadersBuilder headers, ClientVerification v, CertificateIdentity id) {
        headers.set(VERIFY, Integer.toString(v.code()));
        headers.set("x-ssl-client-sha1", id.sha1());
        if (id.cn() != null) {
            headers.set("x-ssl-client-cn", safe(id.cn()));
        }
        headers.set("x-ssl-client-dn", safe(id.subjectDn()));
        headers.set("x-ssl-issuer-dn", safe(id.issuerDn()));
        headers.set("x-ssl-client-serial", id.serial());
        headers.set("x-ssl-client-not-after", id.notAfter().toString());
        List<String> sans = new ArrayList<>();
        sans.addAll(id.sanDns());
        sans.addAll(id.sanUri());
        sans.addAll(id.sanEmail());
        sans.addAll(id.sanIp());
        if (!sans.isEmpty()) {
            headers.set("x-ssl-client-san", safe(String.join(",", sans)));
        }
    }

    /**
     * A header value that survives HTTP/1 and HPACK unchanged: control characters percent-encoded (as
     * {@link HeaderValues#sanitize}) and every non-ASCII character percent-encoded as UTF-8. Without the
     * latter, Latin-1 characters went out as raw obs-text bytes and all others as '?', so different names
     * ("漢字", "中文") reached the upstream as the same "??".
     */
    static String safe(String value) {
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
