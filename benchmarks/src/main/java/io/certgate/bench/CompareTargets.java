package io.certgate.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.certgate.pdp.Pdp;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.pdp.server.PdpServer;
import io.certgate.pep.GatewayServer;
import io.certgate.pep.config.GatewayConfig;
import io.certgate.testdata.TestCert;
import io.certgate.testdata.TestPki;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import javax.security.auth.x500.X500Principal;

/**
 * The certgate side of {@code benchmarks/compare.sh}, all on loopback in this JVM (the script starts nginx and
 * {@code opa run --server} beside it):
 * <ul>
 *   <li>{@code gw-cached}: the gateway, embedded PDP, the reference policy's rules with data for the test PKI
 *       (decisions live 60 s, the PDP's decision cache on);</li>
 *   <li>{@code gw-ref}: the same with the decision cache off, one evaluation per request;</li>
 *   <li>{@code armeria-proxy}: the floor, a bare Armeria mTLS proxy to the same upstream ({@link ArmeriaProxyFloor});</li>
 *   <li>{@code pdp}: a PDP server (OPA REST, gRPC) with the built-in reference bundle and its shipped data, the
 *       decision cache off, its clock at {@code --input}'s {@code time.now} (so that input is decided as it was
 *       then, like {@code opa run} deciding the same input with its own {@code time});</li>
 *   <li>{@code pdp-fa}: a PDP server for nginx's {@code auth_request} ({@code /forward-auth}, nginx trusted on
 *       127.0.0.1), the reference policy with the test PKI's data, the decision cache off.</li>
 * </ul>
 * Both gateways forward to {@code --upstream-port} (nginx {@code return 200}). Access and decision logs go to
 * {@code DIR/logs/audit.log}, out of the watched certificate directory, as in a deployment. Into {@code --dir} it writes {@code client.pem} (the partner certificate and its
 * intermediate), {@code client.key}, {@code root.pem}, {@code server-chain.pem}, {@code server.key} (for nginx),
 * {@code policies/} (rules and data the gateways and {@code pdp-fa} decide with) and {@code targets.env}
 * ({@code name=port} lines, written last by rename), then serves until its standard input ends.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.certgate.bench.CompareTargets --dir DIR --upstream-port N
 *     --rules policies/mtls/authz --input testdata/inputs/allow.json</pre>
 */
public final class CompareTargets {
    static final String ENTRYPOINT = "mtls/authz/decision";
    static final String SERVICE = "partner-api";

    private CompareTargets() {}

    record Options(Path dir, int upstreamPort, Path rules, Path input) {}

    public static void main(String[] args) throws Exception {
        Options o = parse(args);
        Path work = Files.createDirectories(o.dir().resolve("targets"));
        BenchFiles.routeAuditLogs(Files.createDirectories(o.dir().resolve("logs")).resolve("audit.log"), true);
        BenchFiles.serveUntilInputEnds("the targets", started -> start(o, work, started));
    }

    static Options parse(String[] args) {
        Path dir = null;
        Path rules = null;
        Path input = null;
        int upstream = 0;
        for (int i = 0; i < args.length; i += 2) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            if (value == null) {
                usage("missing value for " + args[i]);
            }
            switch (args[i]) {
                case "--dir" -> dir = Path.of(value);
                case "--rules" -> rules = Path.of(value);
                case "--input" -> input = Path.of(value);
                case "--upstream-port" -> {
                    if (!value.matches("[1-9][0-9]{0,4}") || Integer.parseInt(value) > 65535) {
                        usage("--upstream-port needs a port number, got '" + value + "'");
                    }
                    upstream = Integer.parseInt(value);
                }
                default -> usage("unexpected argument '" + args[i] + "'");
            }
        }
        if (dir == null || !Files.isDirectory(dir)) {
            usage("--dir must name an existing directory" + (dir == null ? "" : ", not " + dir));
        }
        if (rules == null || !Files.isDirectory(rules)) {
            usage("--rules must name the reference policy's rule directory" + (rules == null ? "" : ", not " + rules));
        }
        if (input == null || !Files.isReadable(input)) {
            usage("--input must name a readable decision input" + (input == null ? "" : ", not " + input));
        }
        if (upstream == 0) {
            usage("--upstream-port is required");
        }
        return new Options(dir, upstream, rules, input);
    }

    private static void usage(String error) {
        System.err.println("error: " + error);
        System.err.println("usage: CompareTargets --dir DIR --upstream-port PORT --rules policies/mtls/authz"
                + " --input testdata/inputs/allow.json");
        System.exit(2);
    }

    static void start(Options o, Path work, List<AutoCloseable> started) throws Exception {
        TestPki pki = TestPki.create(Instant.now());
        pki.writeTo(work);
        TestCert server = pki.server(); // SAN localhost and 127.0.0.1, issued by the root
        Files.writeString(work.resolve("server-chain.pem"), server.chainPem());
        Path policies = referencePolicy(o.rules(), o.dir().resolve("policies"), pki);
        String upstream = "http://127.0.0.1:" + o.upstreamPort();
        Files.writeString(work.resolve("pdp-uncached.yaml"), "caches: {decisions: 0}\n");

        StringBuilder env = new StringBuilder();
        GatewayServer cached = started(started, gateway(work, policies, upstream, ""));
        env.append("gw-cached=").append(cached.port()).append('\n');
        GatewayServer uncached = started(started, gateway(work, policies, upstream, ", config: pdp-uncached.yaml"));
        env.append("gw-ref=").append(uncached.port()).append('\n');
        ArmeriaProxyFloor floor = started(started, ArmeriaProxyFloor.start(work.resolve("server-chain.pem"),
                work.resolve("server.key"), work.resolve("ca.pem"), upstream));
        env.append("armeria-proxy=").append(floor.port()).append('\n');

        Instant decidedAt = Instant.parse(new ObjectMapper().readTree(o.input().toFile()).at("/time/now").asText());
        PdpServer pdp = pdpServer(PdpConfig.parse("server: {port: 0}\ncaches: {decisions: 0}\n", "pdp"),
                Clock.fixed(decidedAt, ZoneOffset.UTC), started);
        env.append("pdp=").append(pdp.port()).append('\n');
        // nginx forwards the leaf only: the PDP completes and verifies the path with the intermediate
        Path trust = Files.writeString(work.resolve("client-trust.pem"),
                pki.rootCa().pem() + pki.intermediateCa().pem());
        PdpServer forwardAuth = pdpServer(PdpConfig.parse("""
                server: {port: 0}
                caches: {decisions: 0}
                interop: {trusted_proxies: [127.0.0.1/32], verify_ca_file: "%s"}
                """.formatted(trust), "pdp-fa").withOverrides(null, null, policies, ENTRYPOINT), Clock.systemUTC(), started);
        env.append("pdp-fa=").append(forwardAuth.port()).append('\n');

        TestCert client = pki.partnerClient();
        Files.writeString(o.dir().resolve("client.pem"), client.chainPem());
        Files.writeString(o.dir().resolve("client.key"), client.keyPem());
        Files.writeString(o.dir().resolve("root.pem"), pki.rootCa().pem());
        Files.writeString(o.dir().resolve("server-chain.pem"), server.chainPem());
        Files.writeString(o.dir().resolve("server.key"), server.keyPem());
        Path tmp = o.dir().resolve("targets.env.tmp");
        Files.writeString(tmp, env);
        Files.move(tmp, o.dir().resolve("targets.env"), StandardCopyOption.ATOMIC_MOVE);
    }

    private static <T extends AutoCloseable> T started(List<AutoCloseable> started, T c) {
        started.add(c);
        return c;
    }

    private static GatewayServer gateway(Path work, Path policies, String upstream, String pdpExtra) throws Exception {
        String yaml = """
                listen: {port: 0}
                admin: {port: -1}
                pdp: {mode: embedded, policies: "%s", entrypoint: %s%s}
                services:
                  - name: %s
                    sni: [localhost]
                    server_cert: server-chain.pem
                    server_key: server.key
                    mtls: {verify: required, ca_file: ca.pem}
                    upstream: {url: "%s"}
                    policy: {profile: partner}
                """.formatted(policies, ENTRYPOINT, pdpExtra, SERVICE, upstream);
        return new GatewayServer(GatewayConfig.parse(yaml, "gateway.yaml", work),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), Clock.systemUTC()).start();
    }

    private static PdpServer pdpServer(PdpConfig config, Clock clock, List<AutoCloseable> started) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Pdp pdp = started(started, Pdp.start(config, registry, clock));
        return started(started, new PdpServer(pdp, registry).start());
    }

    /**
     * The reference policy's rules as shipped, with data for the test PKI: the partner certificate (issued by
     * the intermediate, vouched for by its DN, as nginx forwards the leaf alone, or its fingerprint) is client {@code billing-service} with profile partner,
     * allowed on {@code partner-api}; decisions live 60 s.
     */
    static Path referencePolicy(Path shipped, Path dir, TestPki pki) throws Exception {
        Path rules = Files.createDirectories(dir.resolve("mtls/authz"));
        try (Stream<Path> files = Files.list(shipped)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".rego") && !f.toString().endsWith("_test.rego"))
                    .toList()) {
                Files.copy(f, rules.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.writeString(dir.resolve("data.json"), """
                {"mtls": {
                  "defaults": {"verify": "required", "ttl_seconds": 60},
                  "issuers": {"partner-ca": {"dn": "%s", "ca_sha256": ["%s"]}},
                  "clients": {
                    "billing-service": {"match": {"issuer": "partner-ca", "cn": "billing-service"},
                                        "profiles": ["partner"]}
                  },
                  "profiles": {"partner": {}},
                  "services": {"%s": {"profile": "partner", "issuers": ["partner-ca"]}}
                }}
                """.formatted(pki.intermediateCa().certificate().getSubjectX500Principal().getName(X500Principal.RFC2253),
                        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                        .digest(pki.intermediateCa().der())), SERVICE));
        return dir;
    }
}
