package io.certgate.pep.proxy;

import com.linecorp.armeria.common.annotation.Nullable;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code pep_requests_by_credential_total{service, client, credential}}: the allowed requests of each client
 * by the credential that identified it ({@code mtls}, {@code api_key}, or {@code none}), which tells when
 * a service's partners have all moved to certificates. Client ids come from the decision; past
 * {@link #MAX_CLIENTS} distinct ones per service the rest count as {@code other}, so a policy that names
 * clients after certificates cannot grow the series without bound.
 */
final class CredentialMetrics {
    static final int MAX_CLIENTS = 500;

    private final String service;
    private final MeterRegistry registry;
    private final Set<String> clients = ConcurrentHashMap.newKeySet();

    CredentialMetrics(String service, MeterRegistry registry) {
        this.service = service;
        this.registry = registry;
    }

    void allowed(@Nullable String client, String credential) {
        registry.counter("pep_requests_by_credential_total", "service", service, "client", label(client),
                "credential", credential).increment();
    }

    private String label(@Nullable String client) {
        if (client == null || client.isEmpty()) {
            return "unknown";
        }
        if (clients.contains(client) || clients.size() < MAX_CLIENTS && clients.add(client)) {
            return client;
        }
        return "other";
    }

    /** The credential that identifies a request: the certificate first, then an API key. */
    static String of(Exchange e) {
        if (e.identity != null) {
            return "mtls";
        }
        return e.apiKeyDigest != null ? "api_key" : "none";
    }
}
