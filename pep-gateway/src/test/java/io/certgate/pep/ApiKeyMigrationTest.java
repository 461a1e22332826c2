package io.certgate.pep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.RequestHeaders;
import io.certgate.pdp.config.ConfigException;
import io.certgate.pep.config.GatewayConfig;
import io.certgate.pep.support.AccessLogCapture;
import io.certgate.pep.support.E2e;
import io.certgate.pep.support.E2e.Resp;
import io.certgate.testdata.TestCert;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Partners migrating to certificates, end to end with the reference policy: a real gateway, the embedded
 * PDP compiling {@code policies/mtls} with data naming the test PKI's partner, real TLS.
 */
class ApiKeyMigrationTest {
    static final String MIGRATING_KEY = "k-acme-0123456789abcdef";
    static final String MIGRATED_KEY = "k-beta-fedcba9876543210";
    static final String ORDERS = "orders.example.test";
    static final String REQUIRED = "required.example.test";

    @TempDir
    static Path tmp;
    static E2e e;
    static int port;
    static AccessLogCapture access;
    static ListAppender<ILoggingEvent> decisions;

    @BeforeAll
    static void start() throws Exception {
        Files.createDirectories(tmp.resolve("gw"));
        e = new E2e(tmp.resolve("gw"));
        Path policies = tmp.resolve("policies");
        copyPolicies(policies);
        Files.writeString(policies.resolve("data.json"), """
                {"mtls": {
                  "issuers": {"test-ca": {"ca_sha256": ["%s"]}},
                  "clients": {
                    "acme": {"match": {"cn": "billing-service"}, "profiles": ["partner"], "roles": ["orders.read"],
                             "migrating": true},
                    "beta": {"match": {"cn": "nobody"}, "profiles": ["partner"], "migrating": false}
                  },
                  "services": {
                    "partner-orders": {"verify": "optional", "accept_api_keys": true, "profile": "partner"},
                    "partner-api": {"verify": "required", "profile": "partner"}
                  },
                  "api_keys": {
                    "acme-2024": {"sha256": "%s", "client": "acme"},
                    "beta-2023": {"sha256": "%s", "client": "beta"}
                  }
                }}""".formatted(sha256(e.pki.intermediateCa().certificate().getEncoded()),
                sha256(MIGRATING_KEY.getBytes(StandardCharsets.UTF_8)),
                sha256(MIGRATED_KEY.getBytes(StandardCharsets.UTF_8))));
        String pdp = "{mode: embedded, policies: " + policies + "}";
        port = e.start(E2e.gateway(pdp, "",
                service("partner-orders", ORDERS, "{verify: optional, ca_file: ca.pem}", "api_keys: {}"),
                service("partner-api", REQUIRED, "{verify: required, ca_file: ca.pem}", ""))).port();
        access = AccessLogCapture.attach(e);
        decisions = new ListAppender<>();
        decisions.start();
        ((Logger) LoggerFactory.getLogger("certgate.decisions")).addAppender(decisions);
    }

    private static String service(String name, String sni, String mtls, String extra) {
        return """
                  - name: %s
                    sni: [%s]
                    server_cert: wild-server-chain.pem
                    server_key: wild-server.key
                    mtls: %s
                    upstream: {url: "%s"}
                    policy: {profile: partner}
                    %s
                """.formatted(name, sni, mtls, e.upstream.url(), extra);
    }

    @AfterAll
    static void stop() {
        ((Logger) LoggerFactory.getLogger("certgate.decisions")).detachAppender(decisions);
        access.close();
        e.close();
    }

    @BeforeEach
    void reset() {
        e.upstream.reset();
    }

    private static WebClient anonymous(String host) {
        return e.client(port, host, null);
    }

    @Test
    void aValidKeyOfAMigratingPartnerIsTheClientsIdentityAndIsNeverForwarded() {
        Resp r = E2e.get(anonymous(ORDERS), "/orders", "x-api-key", MIGRATING_KEY);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        RequestHeaders up = e.upstream.last();
        assertThat(up.get("x-client-id")).isEqualTo("acme");
        assertThat(up.get("x-roles")).isEqualTo("orders.read");
        assertThat(up.contains("x-api-key")).isFalse();
        assertThat(access.last("/orders").get("credential").asText()).isEqualTo("api_key");
        assertThat(counter("acme", "api_key")).isPositive();

        Resp auth = E2e.get(anonymous(ORDERS), "/orders", "authorization", "ApiKey " + MIGRATING_KEY);
        assertThat(auth.status()).as(auth.toString()).isEqualTo(200);
        assertThat(e.upstream.last().contains("authorization")).isFalse();
        assertNothingLeaked(MIGRATING_KEY);
    }

    @Test
    void anUnknownKeyIs401() {
        Resp r = E2e.get(anonymous(ORDERS), "/orders", "x-api-key", "k-guessed");
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.field("error_code")).isEqualTo("API_KEY_INVALID");
        assertThat(e.upstream.count()).isZero();
        assertNothingLeaked("k-guessed");
    }

    @Test
    void aKeyOfAClientThatIsNoLongerMigratingIs403() {
        Resp r = E2e.get(anonymous(ORDERS), "/orders", "x-api-key", MIGRATED_KEY);
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.field("error_code")).isEqualTo("CLIENT_NOT_MIGRATING");
        assertThat(e.upstream.count()).isZero();
    }

    @Test
    void aKeyOnARequiredServiceDoesNotReplaceTheCertificate() {
        Resp r = E2e.get(anonymous(REQUIRED), "/orders", "x-api-key", MIGRATING_KEY);
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.field("error_code")).isEqualTo("CERT_REQUIRED");
        assertThat(e.upstream.count()).isZero();
    }

    @Test
    void apiKeysAreAConfigurationErrorOnARequiredService() {
        String yaml = E2e.gateway("{mode: embedded}", "",
                service("partner-api", REQUIRED, "{verify: required, ca_file: ca.pem}", "api_keys: {}"));
        assertThatThrownBy(() -> GatewayConfig.parse(yaml, "gateway.yaml", e.dir))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("services[0].api_keys: only for mtls.verify: optional");
    }

    @Test
    void withACertificateAndAKeyTheCertificateIdentifies() {
        // the key is of a client that may no longer use keys: a decision on it would be 403
        Resp r = E2e.get(e.client(port, ORDERS, e.pki.partnerClient()), "/both", "x-api-key", MIGRATED_KEY);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(e.upstream.last().get("x-client-id")).isEqualTo("acme");
        assertThat(e.upstream.last().contains("x-api-key")).isFalse();
        assertThat(access.last("/both").get("credential").asText()).isEqualTo("mtls");
        assertThat(counter("acme", "mtls")).isPositive();
    }

    @Test
    void identityHeadersSpoofedNextToAKeyAreRemoved() {
        Resp r = E2e.get(anonymous(ORDERS), "/spoof", "x-api-key", MIGRATING_KEY, "x-client-id", "admin",
                "x-authenticated-userid", "root", "x-ssl-client-cn", "billing-service", "x-certgate-assertion", "forged",
                "x-roles", "orders.admin");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        RequestHeaders up = e.upstream.last();
        assertThat(up.get("x-client-id")).isEqualTo("acme");
        assertThat(up.get("x-authenticated-userid")).isEqualTo("acme");
        assertThat(up.get("x-roles")).isEqualTo("orders.read");
        assertThat(up.contains("x-ssl-client-cn")).isFalse();
        assertThat(up.contains("x-certgate-assertion")).isFalse();
    }

    @Test
    void aKeyInTheQueryStringIsRejectedAndNeverLogged() {
        for (String query : List.of("api_key=", "x-api-key=", "a=1&APIKEY=", "Api%5FKey=")) {
            Resp r = E2e.get(anonymous(ORDERS), "/q?" + query + "k-in-url-secret", "x-api-key", MIGRATING_KEY);
            assertThat(r.status()).as(query).isEqualTo(400);
            assertThat(r.field("error_code")).isEqualTo("API_KEY_IN_QUERY");
        }
        assertThat(e.upstream.count()).isZero();
        assertNothingLeaked("k-in-url-secret");
        // other parameters pass
        assertThat(E2e.get(anonymous(ORDERS), "/q?monkey=1", "x-api-key", MIGRATING_KEY).status()).isEqualTo(200);
    }

    private static void assertNothingLeaked(String key) {
        String digest = sha256(key.getBytes(StandardCharsets.UTF_8));
        assertThat(access.lines()).noneMatch(l -> l.contains(key) || l.contains(digest));
        assertThat(decisions.list).noneMatch(l -> l.getFormattedMessage().contains(key)
                || l.getFormattedMessage().contains(digest));
    }

    private static double counter(String client, String credential) {
        var c = e.registry(port).find("pep_requests_by_credential_total").tag("client", client)
                .tag("credential", credential).counter();
        return c == null ? 0 : c.count();
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** The reference policy's Rego (without its tests), for a test's own data.json beside it. */
    static void copyPolicies(Path policies) throws Exception {
        copy(Path.of(System.getProperty("certgate.policies.dir", "../policies")).resolve("mtls"),
                policies.resolve("mtls"));
    }

    private static void copy(Path from, Path to) throws Exception {
        try (var files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else if (!p.getFileName().toString().endsWith("_test.rego")) {
                    Files.copy(p, t);
                }
            }
        }
    }
}
