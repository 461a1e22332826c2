package io.certgate.pep.support;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pep.GatewayServer;
import io.certgate.pep.config.GatewayConfig;
import io.certgate.testdata.TestCert;
import io.certgate.testdata.TestPki;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A gateway on loopback with real TLS: the test PKI written to a directory, server certificates for
 * {@code api.example.test} and {@code other.example.test}, a recording upstream and the gateway test
 * policy, plus mTLS clients presenting any test certificate with any SNI.
 */
public final class GatewayHarness implements AutoCloseable {
    public static final String API = "api.example.test";
    public static final String OTHER = "other.example.test";

    public final TestPki pki;
    public final Path dir;
    public final RecordingUpstream upstream;
    public final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final TestCert apiCert;
    private final TestCert otherCert;
    private final List<ClientFactory> factories = new ArrayList<>();
    @Nullable
    private GatewayServer gateway;

    public GatewayHarness(Path dir) throws Exception {
        this.dir = dir;
        this.pki = TestPki.create(Instant.now());
        pki.writeTo(dir);
        apiCert = pki.certificate("api-server").cn(API).dns(API).serverAuth().issuedBy(pki.rootCa())
                .validity(java.time.Duration.ofDays(-1), java.time.Duration.ofDays(30)).build();
        otherCert = pki.certificate("other-server").cn(OTHER).dns(OTHER).serverAuth().issuedBy(pki.rootCa())
                .validity(java.time.Duration.ofDays(-1), java.time.Duration.ofDays(30)).build();
        for (TestCert c : List.of(apiCert, otherCert)) {
            Files.writeString(dir.resolve(c.name() + ".pem"), c.chainPem());
            Files.writeString(dir.resolve(c.name() + ".key"), c.keyPem());
        }
        Files.writeString(dir.resolve("ca-only.pem"), TestPki.pem(pki.rootCa().certificate()));
        this.upstream = new RecordingUpstream();
    }

    /** The directory of the gateway test policy. */
    public static Path testPolicies() {
        try {
            return Path.of(GatewayHarness.class.getResource("/policies/gateway").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A gateway.yaml with one service on {@link #API} (and one on {@link #OTHER}), {@code mtls}
     * being the YAML mapping body of the API service's {@code mtls:} and {@code policy} of its {@code policy:}.
     */
    public String config(String mtls, String policy) {
        return """
                listen: {port: 0}
                admin: {port: 0}
                pdp: {mode: embedded, policies: %s, entrypoint: gw/authz/decision}
                services:
                  - name: partner-api
                    sni: [%s]
                    server_cert: api-server.pem
                    server_key: api-server.key
                    mtls: %s
                    upstream: {url: "%s"}
                    policy: %s
                  - name: other
                    sni: [%s]
                    server_cert: other-server.pem
                    server_key: other-server.key
                    mtls: {verify: required, ca_file: ca-only.pem}
                    upstream: {url: "%s"}
                    policy: {profile: other}
                """.formatted(testPolicies(), API, mtls, upstream.url(), policy, OTHER, upstream.url());
    }

    public GatewayServer start(String yaml) throws Exception {
        GatewayConfig cfg = GatewayConfig.parse(yaml, "gateway.yaml", dir);
        gateway = new GatewayServer(cfg, registry, Clock.systemUTC()).start();
        return gateway;
    }

    public int port() {
        return gateway.port();
    }

    public GatewayServer gateway() {
        return gateway;
    }

    /** An HTTPS client to the gateway with the given SNI, presenting {@code cert} (null = no certificate). */
    public WebClient client(String sni, @Nullable TestCert cert) {
        var b = ClientFactory.builder()
                .tlsCustomizer(t -> t.trustManager(pki.rootCa().certificate()));
        if (cert != null) {
            b.tls(TlsKeyPair.of(cert.privateKey(), cert.chain()));
        }
        ClientFactory f = b.build();
        factories.add(f);
        return WebClient.builder(SessionProtocol.HTTPS, Endpoint.of(sni, port()).withIpAddr("127.0.0.1"))
                .factory(f).build();
    }

    @Override
    public void close() {
        factories.forEach(ClientFactory::close);
        if (gateway != null) {
            gateway.close();
        }
        upstream.close();
    }
}
