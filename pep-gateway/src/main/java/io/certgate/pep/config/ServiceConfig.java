package io.certgate.pep.config;

import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.boundary.HeaderPolicy;
import io.certgate.pdp.boundary.PathRules;
import io.certgate.pdp.cert.ClientCertificateVerifier;
import io.certgate.pdp.cert.CrlDistributionPoints;
import io.certgate.pep.ratelimit.ServiceLimits;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** One protected service of {@code gateway.yaml}: its TLS identity, client verification, upstream and policy. */
public record ServiceConfig(String name, List<String> sni, Path serverCert, Path serverKey, Mtls mtls,
        Upstream upstream, Policy policy, Request request, ServiceLimits rateLimits, @Nullable ApiKeys apiKeys,
        @Nullable Assertion assertion) {

    public ServiceConfig {
        sni = List.copyOf(sni);
    }

    /**
     * @param caFile trust roots (may hold several CAs, for rotation); required unless verify is none
     * @param ignoreCodes OpenSSL codes tolerated under {@link CaErrorStrategy#MANUAL_IGNORE_LIST}
     * @param crlFiles PEM CRLs; when present the leaf's revocation is checked
     * @param advertiseCaNames name the CAs in the TLS CertificateRequest (clients then only offer
     *     certificates from those CAs; off by default so any presented certificate gets its OpenSSL code)
     * @param maxChainBytes largest TLS Certificate message (the client's chain) accepted; larger ones fail
     *     the handshake
     * @param maxChainDepth most certificates a client may present, leaf included; more is OpenSSL code 22
     * @param crlDistributionPoints CRLs fetched from the leaf's distribution points
     *     ({@code crl_distribution_points}); null when off
     */
    public record Mtls(VerifyMode verify, @Nullable Path caFile, CaErrorStrategy caErrorStrategy,
            Set<Integer> ignoreCodes, List<Path> crlFiles, boolean ocspEnabled, boolean ocspSoftFail,
            boolean advertiseCaNames, int maxChainBytes, int maxChainDepth,
            @Nullable CrlDistributionPoints.Settings crlDistributionPoints) {
        /** The TLS stack reads any handshake message of up to 16 KiB, so no smaller limit can hold. */
        public static final int MIN_CHAIN_BYTES = 16 * 1024;
        /**
         * The TLS 1.3 session ticket sent with the first response carries the client's certificates in a
         * field of at most 64 KiB, which a chain of about 32 KiB already fills (measured); with a larger
         * chain the response fails after the request was forwarded.
         */
        public static final int MAX_CHAIN_BYTES = 30 * 1024;
        /** The most any verifier here or a remote PDP accepts. */
        public static final int MAX_CHAIN_DEPTH = ClientCertificateVerifier.MAX_PRESENTED_CHAIN;

        public Mtls {
            ignoreCodes = Set.copyOf(ignoreCodes);
            crlFiles = List.copyOf(crlFiles);
        }
    }

    /** Where allowed requests go; https with a client certificate makes the hop mTLS too. */
    public record Upstream(URI url, @Nullable Path clientCert, @Nullable Path clientKey, @Nullable Path caFile,
            Duration timeout) {}

    /**
     * How the trust boundary treats this service's requests ({@code request:}).
     *
     * @param path what the canonicalizer tolerates beyond the strict default ({@code request.path})
     * @param headers which client headers pass and which obligation headers a decision may set
     *     ({@code request.headers})
     * @param bodyTimeout the whole request body must arrive within this, else 408 ({@code request.body_timeout_ms})
     */
    public record Request(PathRules path, HeaderPolicy headers, Duration bodyTimeout) {
        public static Request defaults() {
            return new Request(PathRules.strict(), HeaderPolicy.defaults(), Duration.ofSeconds(10));
        }
    }

    /**
     * @param enforce active (true) or passive/report-only (false: decide and log, always forward)
     * @param profile {@code input.service.profile}
     * @param when requests the policy applies to; others are forwarded without a decision
     * @param failOpen on PDP failure forward anyway (documented fallback) instead of 503
     * @param errorTemplate body for denies with ${status}, ${error_code}, ${message}, ${decision_id}
     * @param forwardHeaders request headers (lower-case) included in {@code input.request.headers}
     */
    public record Policy(boolean enforce, String profile, RequestCondition when, boolean failOpen,
            @Nullable String errorTemplate, List<String> forwardHeaders) {
        public Policy {
            forwardHeaders = List.copyOf(forwardHeaders);
        }
    }

    /**
     * API keys as the identity of partners still migrating to certificates ({@code api_keys:}, only with
     * {@code mtls.verify: optional}). The key is read from {@code header} or {@code Authorization: ApiKey …},
     * sent to the PDP only as its SHA-256 and never forwarded upstream.
     *
     * @param header lower-case header name carrying the key
     */
    public record ApiKeys(String header) {
        public static final String DEFAULT_HEADER = "x-api-key";
    }

    /**
     * The signed identity assertion sent upstream on every allowed request ({@code assertion:}).
     *
     * @param header lower-case header name (a client's copy is always removed)
     * @param ttl lifetime of an assertion ({@code exp - iat})
     * @param cache reuse an assertion for the same identity until a quarter of its lifetime is left
     */
    public record Assertion(String header, Duration ttl, boolean cache) {
        public static final String DEFAULT_HEADER = "x-certgate-assertion";
    }
}
