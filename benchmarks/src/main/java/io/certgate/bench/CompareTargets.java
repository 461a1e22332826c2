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
import java.util.Set;
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
 * Both gateways forward to {@code --upstream-port} (nginx {@code return 200}). {@code --only} starts some of the
 * targets, so that each can have a JVM of its own, as deployed. Into {@code --dir} it writes a new test PKI:
 * {@code client.pem} (the partner certificate and its intermediate), {@code client.key}, {@code root.pem},
 * {@code server-chain.pem}, {@code server.key} (for nginx), {@code targets/} and {@code policies/} (rules and data
 * the gateways and {@code pdp-fa} decide with); with {@code --reuse-pki} it uses those another launcher wrote.
 * It writes {@code --env} ({@code targets.env} by default: {@code name=port} lines, last, by rename) and serves
 * until its standard input ends. Access and decision logs go to {@code DIR/logs/}, out of the watched certificate
 * directory, as in a deployment.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.certgate.bench.CompareTargets --dir DIR --upstream-port N
 *     --rules policies/mtls/authz --input testdata/inputs/allow.json [--only gw-cached,gw-ref] [--env gateway.env]
 *     [--reuse-pki]</pre>
 */
public final class CompareTargets {
    static final String ENTRYPOINT = "mtls/authz/decision";
    static final String SERVICE = "partner-api";
    static final Set<String> TARGETS = Set.of("gw-cached", "gw-ref", "armeria-proxy", "pdp", "pdp-fa");

    private CompareTargets() {}

    /** @param only the targets to start, or empty for all */
    record Options(Path dir, int upstreamPort, Path rules, Path input, Set<String> only, boolean reusePki, String env) {
        boolean wants(String target) {
            return only.isEmpty() || only.contains(target);
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = parse(args);
        Path work = Files.createDirectories(o.dir().resolve("targets"));
        BenchFiles.routeAuditLogs(Files.createDirectories(o.dir().resolve("logs"))
                .resolve(o.env().replace(".env", "-audit.log")), true);
        BenchFiles.serveUntilInputEnds("the targets", started -> start(o, work, started));
    }

    static Options parse(String[] args) {
        Path dir = null;
        Path rules = null;
        Path input = null;
        int upstream = 0;
        Set<String> only = Set.of();
        boolean reusePki = false;
        String env = "targets.env";
        for (int i = 0; i < args.length; i += 2) {
            if (args[i].equals("--reuse-pki")) {
                reusePki = true;
                i--;
                continue;
            }
            String value = i + 1 < args.length ? args[i + 1] : null;
            if (value == null) {
                usage("missing value for " + args[i]);
            }
            switch (args[i]) {
                case "--dir" -> dir = Path.of(value);
                case "--rules" -> rules = Path.of(value);
                case "--input" -> input = Path.of(value);
                case "--env" -> {
                    if (!value.matches("[a-z0-9-]+\\.env")) {
                        usage("--env takes a file name like gateway.env, got '" + value + "'");
                    }
                    env = value;
                }
                case "--only" -> {
                    only = Set.of(value.split(","));
                    if (!TARGETS.containsAll(only)) {
                        usage("--only takes a comma-separated list of " + TARGETS + ", got '" + value + "'");
                    }
                }
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
        return new Options(dir, upstream, rules, input, only, reusePki, env);
    }

    private static void usage(String error) {
        System.err.println("error: " + error);
        System.err.println("usage: CompareTargets --dir DIR --upstream-port PORT --rules policies/mtls/authz"
                + " --input testdata/inputs/allow.json [--only gw-cached,gw-ref,...] [--env NAME.env] [--reuse-pki]");
        System.exit(2);
    }

    static void start(Options o, Path work, List<AutoCloseable> started) throws Exception {
        Path policies = o.dir().resolve("policies");
        if (!o.reusePki()) {
            writePki(o, work, policies);
        } else if (!Files.isRegularFile(work.resolve("client-trust.pem"))) {
            throw new IllegalStateException("--reuse-pki: no test PKI in " + work + "; start a launcher without"
                    + " --reuse-pki on that --dir first");
        }
        String upstream = "http://127.0.0.1:" + o.upstreamPort();

        StringBuilder env = new StringBuilder();
        if (o.wants("gw-cached")) {
            GatewayServer cached = started(started, gateway(work, policies, upstream, ""));
            env.append("gw-cached=").append(cached.port()).append('\n');
        }
        if (o.wants("gw-ref")) {
            GatewayServer uncached = started(started, gateway(work, policies, upstream, ", config: pdp-uncached.yaml"));
            env.append("gw-ref=").append(uncached.port()).append('\n');
        }
        if (o.wants("armeria-proxy")) {
            ArmeriaProxyFloor floor = started(started, ArmeriaProxyFloor.start(work.resolve("server-chain.pem"),
                    work.resolve("server.key"), work.resolve("ca.pem"), upstream));
            env.append("armeria-proxy=").append(floor.port()).append('\n');
        }
        if (o.wants("pdp")) {
            Instant decidedAt = Instant.parse(new ObjectMapper().readTree(o.input().toFile()).at("/time/now").asText());
            PdpServer pdp = pdpServer(PdpConfig.parse("server: {port: 0}\ncaches: {decisions: 0}\n", "pdp"),
                    Clock.fixed(decidedAt, ZoneOffset.UTC), started);
            env.append("pdp=").append(pdp.port()).append('\n');
        }
        if (o.wants("pdp-fa")) {
            // nginx forwards the leaf only: the PDP completes and verifies the path with the intermediate
            Path trust = work.resolve("client-trust.pem");
            PdpServer forwardAuth = pdpServer(PdpConfig.parse("""
                    server: {port: 0}
                    caches: {decisions: 0}
                    interop: {trusted_proxies: [127.0.0.1/32], verify_ca_file: "%s"}
                    """.formatted(trust), "pdp-fa").withOverrides(null, null, policies, ENTRYPOINT),
                    Clock.systemUTC(), started);
            env.append("pdp-fa=").append(forwardAuth.port()).append('\n');
        }

        Path tmp = o.dir().resolve(o.env() + ".tmp");
        Files.writeString(tmp, env);
        Files.move(tmp, o.dir().resolve(o.env()), StandardCopyOption.ATOMIC_MOVE);
    }

    /** A new test PKI: the targets' files in {@code work}, the client's and nginx's in {@code --dir}. */
    private static void writePki(Options o, Path work, Path policies) throws Exception {
        TestPki pki = TestPki.create(Instant.now());
        pki.writeTo(work);
        TestCert server = pki.server(); // SAN localhost and 127.0.0.1, issued by the root
        Files.writeString(work.resolve("server-chain.pem"), server.chainPem());
        referencePolicy(o.rules(), policies, pki);
        Files.writeString(work.resolve("pdp-uncached.yaml"), "caches: {decisions: 0}\n");
        Files.writeString(work.resolve("client-trust.pem"), pki.rootCa().pem() + pki.intermediateCa().pem());
        TestCert client = pki.partnerClient();
        Files.writeString(o.dir().resolve("client.pem"), client.chainPem());
        Files.writeString(o.dir().resolve("client.key"), client.keyPem());
        Files.writeString(o.dir().resolve("root.pem"), pki.rootCa().pem());
        Files.writeString(o.dir().resolve("server-chain.pem"), server.chainPem());
        Files.writeString(o.dir().resolve("server.key"), server.keyPem());
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
