package io.certgate.pep.proxy;

import com.linecorp.armeria.common.RequestHeadersBuilder;
import io.certgate.pdp.cert.CertificateIdentity;
import io.certgate.pdp.cert.IdentityHeaderValues;
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
        IdentityHeaderValues.of(v.code(), id).forEach(headers::set);
    }

    /** See {@link IdentityHeaderValues#safe}. */
    static String safe(String value) {
        return IdentityHeaderValues.safe(value);
    }
}
