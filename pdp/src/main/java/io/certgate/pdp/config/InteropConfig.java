package io.certgate.pdp.config;

import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.common.util.InetAddressPredicates;
import io.certgate.pdp.boundary.HeaderPolicy;
import io.certgate.pdp.cert.CrlDistributionPoints;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code interop:} section of {@code pdp.yaml}: how gateways that call the PDP over forward-auth,
 * Envoy ext_authz and AuthZEN are trusted and how their requests become decision input.
 *
 * @param trustedProxies CIDRs of the proxies whose forwarded client certificate and client address are
 *                       believed; from any other caller those headers are ignored (and logged)
 * @param requestHeaders request header names (lower-case) copied into {@code input.request.headers}
 * @param defaultService {@code input.service.id} when neither the proxy nor the host mapping names one
 * @param hostServices host (lower-case, without port) to service id
 * @param verifyCaFile when set, forwarded chains are verified again against this CA bundle and the
 *                     proxy's own verification verdict is ignored
 * @param crlFiles PEM CRLs the re-verification checks the leaf against (needs {@code verifyCaFile})
 * @param ocsp OCSP checking of re-verified chains (needs {@code verifyCaFile})
 * @param crlDistributionPoints CRLs fetched from the leaf's distribution points for re-verified chains (needs
 *                              {@code verifyCaFile}); null when off
 * @param authzenEntrypoint the entrypoint AuthZEN requests are evaluated at
 * @param headers which client headers reach the input and which obligation headers a decision may return
 *                ({@code obligation_headers})
 */
public record InteropConfig(List<String> trustedProxies, List<String> requestHeaders,
        @Nullable String defaultService, Map<String, String> hostServices, @Nullable Path verifyCaFile,
        List<Path> crlFiles, Ocsp ocsp, @Nullable CrlDistributionPoints.Settings crlDistributionPoints,
        String authzenEntrypoint, HeaderPolicy headers) {

    public static final String DEFAULT_AUTHZEN_ENTRYPOINT = "authzen/decision";

    /**
     * {@code interop.ocsp}, as a gateway service's {@code mtls.ocsp}.
     *
     * @param enabled ask the responder in the leaf's AIA extension about chains that verified
     * @param softFail count an unknown certificate or an unreachable responder as good (a revoked one never)
     */
    public record Ocsp(boolean enabled, boolean softFail) {
        public static final Ocsp DISABLED = new Ocsp(false, true);
    }

    public InteropConfig {
        trustedProxies = List.copyOf(trustedProxies);
        requestHeaders = List.copyOf(requestHeaders);
        hostServices = Map.copyOf(hostServices);
        crlFiles = List.copyOf(crlFiles);
    }

    public static InteropConfig defaults() {
        return new InteropConfig(List.of(), List.of("accept", "content-type", "user-agent", "x-request-id"), null,
                Map.of(), null, List.of(), Ocsp.DISABLED, null, DEFAULT_AUTHZEN_ENTRYPOINT, HeaderPolicy.defaults());
    }

    /** Parses the section at {@code node} (errors go to the node's error list). */
    public static InteropConfig parse(ConfigNode node) {
        InteropConfig d = defaults();
        List<String> proxies = node.strings("trusted_proxies");
        for (int i = 0; i < proxies.size(); i++) {
            try {
                InetAddressPredicates.ofCidr(proxies.get(i));
            } catch (IllegalArgumentException e) {
                node.error("trusted_proxies[" + i + "]",
                        "'" + proxies.get(i) + "' is not a CIDR block (e.g. 10.0.0.0/8, ::1/128)");
            }
        }
        boolean headersGiven = node.has("request_headers");
        List<String> headers = node.strings("request_headers").stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
        if (!headersGiven) {
            headers = d.requestHeaders();
        }
        String service = node.string("default_service", null);
        Map<String, String> hosts = new LinkedHashMap<>();
        for (ConfigNode h : node.sections("hosts")) {
            String host = h.string("host", null);
            String id = h.string("service", null);
            if (host == null || id == null) {
                h.error("host", "each hosts entry needs host and service, e.g. {host: api.example.com, "
                        + "service: partner-api}");
            } else if (hosts.put(host.toLowerCase(Locale.ROOT), id) != null) {
                h.error("host", "'" + host + "' is mapped twice");
            }
            h.rejectUnknownKeys();
        }
        String ca = node.string("verify_ca_file", null);
        List<Path> crls = node.strings("crl_files").stream().map(Path::of).toList();
        ConfigNode o = node.section("ocsp");
        Ocsp ocsp = new Ocsp(o.bool("enabled", false), o.bool("soft_fail", true));
        o.rejectUnknownKeys();
        CrlDistributionPoints.Settings dp = CrlDistributionPointsConfig.parse(node.section("crl_distribution_points"));
        // Revocation is part of the PDP's own verification; a proxy's verdict cannot be amended by it.
        if (ca == null && !crls.isEmpty()) {
            node.error("crl_files", "needs interop.verify_ca_file: revocation is checked when the PDP verifies "
                    + "forwarded chains itself");
        }
        if (ca == null && ocsp.enabled()) {
            o.error("enabled", "needs interop.verify_ca_file: revocation is checked when the PDP verifies "
                    + "forwarded chains itself");
        }
        if (ca == null && dp != null) {
            node.error("crl_distribution_points", "needs interop.verify_ca_file: revocation is checked when the "
                    + "PDP verifies forwarded chains itself");
        }
        String authzen = node.string("authzen_entrypoint", d.authzenEntrypoint());
        HeaderPolicy policy = d.headers();
        boolean obligationsGiven = node.has("obligation_headers");
        List<String> obligations = node.strings("obligation_headers");
        if (obligationsGiven) {
            try {
                policy = HeaderPolicy.of(false, obligations.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList());
            } catch (IllegalArgumentException e) {
                node.error("obligation_headers", e.getMessage());
            }
        }
        node.rejectUnknownKeys();
        return new InteropConfig(proxies, headers, service, hosts, ca == null ? null : Path.of(ca), crls, ocsp,
                dp, authzen, policy);
    }

    /** A copy evaluating AuthZEN requests at another entrypoint. */
    public InteropConfig withAuthzenEntrypoint(String entrypoint) {
        return new InteropConfig(trustedProxies, requestHeaders, defaultService, hostServices, verifyCaFile,
                crlFiles, ocsp, crlDistributionPoints, entrypoint, headers);
    }
}
