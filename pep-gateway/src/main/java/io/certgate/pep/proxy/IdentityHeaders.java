package io.certgate.pep.proxy;

import com.linecorp.armeria.common.RequestHeadersBuilder;
import io.certgate.pdp.cert.CertificateIdentity;
import io.certgate.pdp.decision.HeaderValues;
import io.certgate.pep.tls.ClientVerification;
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
            headers.set("x-ssl-client-cn", HeaderValues.sanitize(id.cn()));
        }
        headers.set("x-ssl-client-dn", HeaderValues.sanitize(id.subjectDn()));
        headers.set("x-ssl-issuer-dn", HeaderValues.sanitize(id.issuerDn()));
        headers.set("x-ssl-client-serial", id.serial());
        headers.set("x-ssl-client-not-after", id.notAfter().toString());
        List<String> sans = new ArrayList<>();
        sans.addAll(id.sanDns());
        sans.addAll(id.sanUri());
        sans.addAll(id.sanEmail());
        sans.addAll(id.sanIp());
        if (!sans.isEmpty()) {
            headers.set("x-ssl-client-san", HeaderValues.sanitize(String.join(",", sans)));
        }
    }
}
