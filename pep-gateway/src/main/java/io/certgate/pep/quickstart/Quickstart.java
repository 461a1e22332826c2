package io.certgate.pep.quickstart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import io.certgate.pdp.bundle.Bundle;
import io.certgate.pdp.bundle.BundleReader;
import io.certgate.pdp.bundle.BundleWriter;
import io.certgate.pdp.bundle.ClasspathBundleSource;
import io.certgate.pdp.cert.ChainVerifier;
import io.certgate.pep.GatewayServer;
import io.certgate.pep.config.GatewayConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.security.auth.x500.X500Principal;

/**
 * Everything the README's first command shows, on loopback: the demo PKI, the demo attribute
 * providers, an echo upstream that answers with the headers it received, and the gateway with an
 * embedded PDP running the reference policy over demo data. Its configuration files are written to
 * the quickstart directory, so what runs here is what {@code serve --config} would run.
 */
public final class Quickstart implements AutoCloseable {
    /** The one service: SNI {@code localhost}, as the demo server certificate names it. */
    public static final String SERVICE = "demo-api";
    public static final String HOST = "localhost";

    private final DemoPki pki;
    private final DemoProviders providers;
    private final Server upstream;
    private final GatewayServer gateway;

    private Quickstart(DemoPki pki, DemoProviders providers, Server upstream, GatewayServer gateway) {
        this.pki = pki;
        this.providers = providers;
        this.upstream = upstream;
        this.gateway = gateway;
    }

    /**
     * Starts the quickstart in {@code dir} (created if needed; its PKI is reused), the gateway on
     * {@code port}, its admin endpoint on {@code adminPort} and the demo token issuer and device posture service
     * on {@code issuerPort} (0 = any free port).
     */
    public static Quickstart start(Path dir, int port, int adminPort, int issuerPort, MeterRegistry registry,
            Clock clock) throws Exception {
        dir = dir.toAbsolutePath().normalize();
        Files.createDirectories(dir);
        DemoPki pki = DemoPki.ensure(dir.resolve("pki"), clock.instant());
        DemoProviders providers = DemoProviders.start(clock, issuerPort);
        Server upstream = echoUpstream(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        try {
            ObjectMapper json = new ObjectMapper();
            Path bundle = dir.resolve("demo-bundle.tar.gz");
            Files.write(bundle, demoBundle(json, pki));
            Path pdpYaml = dir.resolve("pdp.yaml");
            Files.writeString(pdpYaml, pdpYaml(bundle, providers));
            Path gatewayYaml = dir.resolve("gateway.yaml");
            Files.writeString(gatewayYaml, gatewayYaml(port, adminPort, pki, upstream.activeLocalPort()));
            GatewayServer gateway = new GatewayServer(GatewayConfig.load(gatewayYaml), registry, clock).start();
            return new Quickstart(pki, providers, upstream, gateway);
        } catch (Exception e) {
            upstream.stop().join();
            providers.close();
            throw e;
        }
    }

    /**
     * Writes what {@code deploy/compose/docker-compose.yml} runs, for a PDP, a gateway and an upstream
     * in separate containers that see {@code dir} as {@code /demo}: the PKI, a demo bundle that needs no
     * attribute providers, {@code pdp.yaml} and {@code gateway.yaml} (remote PDP at {@code pdp:8181},
     * upstream at {@code upstream:8080}).
     */
    public static void exportForCompose(Path dir, Clock clock) throws Exception {
        Files.createDirectories(dir);
        DemoPki pki = DemoPki.ensure(dir.resolve("pki"), clock.instant());
        Files.write(dir.resolve("demo-bundle.tar.gz"), demoBundle(new ObjectMapper(), pki, false));
        Files.writeString(dir.resolve("pdp.yaml"), """
                # The PDP of deploy/compose (written by `pep-gateway.jar quickstart --export-compose`).
                # Every interface: the gateway calls it from another container (the default is loopback).
                server: {host: 0.0.0.0, port: 8181}
                policy: {bundle: /demo/demo-bundle.tar.gz}
                """);
        Files.writeString(dir.resolve("gateway.yaml"), """
                # The gateway of deploy/compose (written by `pep-gateway.jar quickstart --export-compose`).
                listen: {port: 8443}
                admin: {port: 9443, host: 0.0.0.0}
                pdp: {mode: remote, address: "pdp:8181", timeout_ms: 200}
                services:
                  - name: %s
                    sni: [%s]
                    server_cert: pki/server.pem
                    server_key: pki/server.key
                    mtls: {verify: required, ca_file: pki/ca.pem, crl_files: [pki/crl.pem]}
                    upstream: {url: "http://upstream:8080"}
                    policy: {profile: partner}
                """.formatted(SERVICE, HOST));
    }

    /**
     * Starts, on {@code address}, an upstream that answers every request with the method, path and the
     * headers it received (identity headers included); also the compose file's upstream container.
     */
    public static Server echoUpstream(InetSocketAddress address) {
        ObjectMapper json = new ObjectMapper();
        Server server = Server.builder()
                .http(address)
                // demo parts stay out of the gateway's metrics; a registry of its own, as every server registers
                // the shared blocking executor's meters and a second registration in one registry logs a WARN
                .meterRegistry(new CompositeMeterRegistry())
                .serviceUnder("/", (ctx, req) -> {
                    ObjectNode body = json.createObjectNode()
                            .put("upstream", "echo").put("method", req.method().name()).put("path", req.path());
                    Map<String, String> headers = new TreeMap<>();
                    req.headers().forEach((name, value) -> {
                        if (!name.toString().startsWith(":")) {
                            headers.put(name.toString(), value);
                        }
                    });
                    body.set("headers_received", json.valueToTree(headers));
                    return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, body.toPrettyString() + "\n");
                })
                .build();
        server.start().join();
        return server;
    }

    /** The reference policy as compiled into the jar, over data that knows the demo identities. */
    static byte[] demoBundle(ObjectMapper json, DemoPki pki) throws Exception {
        return demoBundle(json, pki, true);
    }

    /**
     * @param withProviders whether the demo service needs groups, device posture and MFA (facts only
     *     the demo providers supply); without, the IoT device is denied for its issuer instead
     */
    static byte[] demoBundle(ObjectMapper json, DemoPki pki, boolean withProviders) throws Exception {
        Bundle reference = new BundleReader(json).read(
                new ClasspathBundleSource(ClasspathBundleSource.REFERENCE).poll(), ClasspathBundleSource.REFERENCE);
        JsonNode data = reference.data().deepCopy();
        ObjectNode mtls = (ObjectNode) data.path("mtls");
        mtls.set("issuers", json.readTree("""
                {"demo-issuing-ca": {"dn": %s}, "demo-root-ca": {"dn": %s}}
                """.formatted(quote(issuerDn(pki.cert("partner"))), quote(issuerDn(pki.cert("device"))))));
        mtls.set("clients", json.readTree("""
                {
                  "partner-billing": {
                    "match": {"issuer": "demo-issuing-ca", "spiffe_id": "spiffe://example.org/partner/billing"},
                    "profiles": ["partner"], "roles": ["orders.read", "orders.write"], "user_id": "billing-service"
                  },
                  "iot-sensor": {
                    "match": {"issuer": "demo-root-ca", "cn": "device-A1B2C3D4E5F6"},
                    "profiles": ["partner"], "roles": ["telemetry.write"]
                  }
                }
                """));
        mtls.set("services", json.readTree("""
                {
                  "%s": {
                    "verify": "required",
                    "profile": "partner",
                    "issuers": %s,
                    "methods": ["GET", "POST"],
                    "ttl_seconds": 30
                  }
                }
                """.formatted(SERVICE, withProviders ? "[\"demo-issuing-ca\", \"demo-root-ca\"]" : "[\"demo-issuing-ca\"]")));
        if (withProviders) {
            ((ObjectNode) mtls.path("services").path(SERVICE)).setAll((ObjectNode) json.readTree("""
                    {
                      "groups": {"any_of": ["partners", "iot-devices"]},
                      "device": {"require": {"compliant": true, "disk_encrypted": true, "max_os_patch_age_days": 30}},
                      "mfa": {"paths": [{"prefix": "/admin/", "max_age_seconds": 600, "acr_values": ["%s"]}]}
                    }
                    """.formatted(DemoProviders.MFA_ACR)));
        }
        return new BundleWriter(json).write("quickstart", reference.wasm(), data, reference.entrypoints());
    }

    private static String issuerDn(Path certFile) throws Exception {
        return ChainVerifier.readCertificates(certFile).get(0).getIssuerX500Principal().getName(X500Principal.RFC2253);
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String pdpYaml(Path bundle, DemoProviders p) {
        return """
                # The embedded PDP of the quickstart gateway (written by `pep-gateway.jar quickstart`).
                # Generous deadlines: the first calls of a just-started JVM are slow, and the demo's
                # first request should not meet a cold-start timeout.
                policy:
                  bundle: %s
                providers:
                  ldap:
                    url: ldap://127.0.0.1:%d
                    base_dn: "%s"
                    user_filter: "(uid={id})"
                    subject_from: cn
                    timeout_ms: 3000
                  posture:
                    base_url: %s
                    device_from: cn
                    timeout_ms: 3000
                  mfa:
                    jwks_url: %s/jwks.json
                    issuer: %s
                    audience: [%s]
                    timeout_ms: 3000
                """.formatted(bundle, p.ldapPort(), DemoProviders.BASE_DN, p.httpBase(), p.issuer(), p.issuer(),
                DemoProviders.AUDIENCE);
    }

    private static String gatewayYaml(int port, int adminPort, DemoPki pki, int upstreamPort) {
        return """
                # The quickstart gateway (written by `pep-gateway.jar quickstart`).
                listen: {port: %d}
                admin: {port: %d, host: 127.0.0.1}
                pdp:
                  mode: embedded
                  config: pdp.yaml
                  evaluation_timeout_ms: 1000
                services:
                  - name: %s
                    sni: [%s]
                    server_cert: %s
                    server_key: %s
                    mtls:
                      verify: required
                      ca_file: %s
                      crl_files: [%s]
                    upstream:
                      url: http://127.0.0.1:%d
                    policy:
                      profile: partner
                """.formatted(port, adminPort, SERVICE, HOST, pki.serverCert(), pki.serverKey(), pki.caFile(),
                pki.crlFile(), upstreamPort);
    }

    /** The demo requests, as shell commands with this run's ports and files. */
    public List<DemoRequest> requests() {
        String url = "https://" + HOST + ":" + gateway.port();
        String common = "curl -sS -w '\\nHTTP %{http_code}\\n' --cacert " + pki.caFile();
        List<DemoRequest> out = new ArrayList<>();
        out.add(new DemoRequest("Allowed: the partner's certificate; the upstream echoes the identity headers it got",
                common + client("partner") + " " + url + "/orders", 200));
        out.add(new DemoRequest("Denied by policy (403): the IoT device's posture is not compliant",
                common + client("device") + " " + url + "/orders", 403));
        out.add(new DemoRequest("No client certificate (401)", common + " " + url + "/orders", 401));
        out.add(new DemoRequest("Expired certificate (401, OpenSSL code 10)",
                common + client("expired") + " " + url + "/orders", 401));
        out.add(new DemoRequest("Revoked certificate (401, OpenSSL code 23)",
                common + client("revoked") + " " + url + "/orders", 401));
        out.add(new DemoRequest("MFA step-up: /admin/ needs a recent second factor (401 + WWW-Authenticate)",
                common + " -D -" + client("partner") + " " + url + "/admin/keys", 401));
        out.add(new DemoRequest("The same request with a fresh MFA token from the demo issuer (200)",
                "TOKEN=$(curl -sS -X POST -d sub=billing-service " + providers.issuer() + "/token) && "
                        + common + client("partner") + " -H \"Authorization: Bearer $TOKEN\" " + url + "/admin/keys",
                200));
        return out;
    }

    private String client(String name) {
        return " --cert " + pki.cert(name) + " --key " + pki.key(name);
    }

    public GatewayServer gateway() {
        return gateway;
    }

    public DemoPki pki() {
        return pki;
    }

    @Override
    public void close() {
        gateway.close();
        upstream.stop().join();
        providers.close();
    }

    /** One demo request: what it shows, the command, and the HTTP status it gets. */
    public record DemoRequest(String title, String command, int expectedStatus) {}
}
