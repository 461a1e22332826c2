package io.certgate.bench;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import io.certgate.pep.GatewayServer;
import io.certgate.pep.config.GatewayConfig;
import io.certgate.testdata.TestCert;
import io.certgate.testdata.TestPki;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The gateways that {@code benchmarks/gateway-compare.sh} drives with vegeta, all on loopback in this JVM, one
 * variant each (embedded PDP, the gateway test policy, service {@code bench} on SNI {@code localhost}, client
 * certificate required, profile partner):
 * <ul>
 *   <li>{@code none}: no rate limit, no assertion;</li>
 *   <li>{@code local}: one limit per certificate in memory, high enough never to refuse;</li>
 *   <li>{@code redis}: the same limit in a real {@code redis-server} (started here, no persistence);</li>
 *   <li>{@code assert}: a signed identity assertion (ES256) on every request, cached per identity (the default);</li>
 *   <li>{@code assert-signed}: the same with {@code cache: false}, one signature per request;</li>
 *   <li>{@code overload}: a local limit of {@code --overload-rate} requests per second (burst the same).</li>
 * </ul>
 * The assertion gateways' upstream answers 500 to a request without {@code x-certgate-assertion}, so a gateway
 * that forwarded without one shows up as errors, not as a fast variant.
 *
 * <p>It only starts them: into {@code --dir} it writes {@code client.pem} (the partner certificate and its
 * intermediate), {@code client.key}, {@code root.pem} (the CA that issued the gateway's certificate) and
 * {@code targets.env} ({@code variant=port} lines; written last, by rename, so its presence means ready), then
 * serves until its standard input ends and stops everything, {@code redis-server} included.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.certgate.bench.GatewayTargets --dir DIR [--overload-rate 50]</pre>
 */
public final class GatewayTargets {
    static final String LIMIT = "{name: per-cert, key: cert.sha256, rate: %d, period: 1s}";
    static final int NEVER_REFUSE = 1_000_000;

    private GatewayTargets() {}

    record Options(Path dir, int overloadRate) {}

    /** One gateway: its upstream, keys before {@code services:} and keys of the service. */
    record Variant(Upstream upstream, String global, String service) {}

    public static void main(String[] args) throws Exception {
        Options o = parse(args);
        Path work = Files.createDirectories(o.dir().resolve("gateways"));
        BenchFiles.routeAuditLogs(work.resolve("audit.log"), false);
        // closed in reverse: gateways before Redis (or their store connection would try to reconnect), then upstreams
        BenchFiles.serveUntilInputEnds("the gateways", started -> start(o, work, started));
    }

    static Options parse(String[] args) {
        Path dir = null;
        int overloadRate = 50;
        for (int i = 0; i < args.length; i += 2) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            if (args[i].equals("--dir") && value != null) {
                dir = Path.of(value);
            } else if (args[i].equals("--overload-rate") && value != null && value.matches("[1-9][0-9]{0,5}")) {
                overloadRate = Integer.parseInt(value);
            } else {
                usage("unexpected argument '" + args[i] + "'" + (value == null ? " (missing value)" : ""));
            }
        }
        if (dir == null || !Files.isDirectory(dir)) {
            usage("--dir must name an existing directory" + (dir == null ? "" : ", not " + dir));
        }
        return new Options(dir, overloadRate);
    }

    private static void usage(String error) {
        System.err.println("error: " + error);
        System.err.println("usage: GatewayTargets --dir DIR [--overload-rate 50 (1..999999 per second)]");
        System.exit(2);
    }

    /** Starts upstreams, Redis and the gateways (each appended to {@code started}), then writes the files. */
    static void start(Options o, Path work, List<AutoCloseable> started) throws Exception {
        TestPki pki = TestPki.create(Instant.now());
        pki.writeTo(work);
        TestCert server = pki.server(); // SAN localhost and 127.0.0.1, issued by the root
        Files.writeString(work.resolve("server-chain.pem"), server.chainPem());
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        Files.writeString(work.resolve("assertion.pem"), TestPki.pem(ec.generateKeyPair().getPrivate()));
        Path policies = BenchFiles.extractGatewayPolicy(work.resolve("policy"));

        Upstream plain = new Upstream(false);
        started.add(plain);
        Upstream asserted = new Upstream(true);
        started.add(asserted);
        Redis redis = Redis.start(work.resolve("redis"));
        started.add(redis);

        String high = "    rate_limits: {limits: [" + LIMIT.formatted(NEVER_REFUSE) + "]}\n";
        String signing = "assertions: {keys: [{kid: bench, key_file: assertion.pem}]}\n";
        Map<String, Variant> variants = new LinkedHashMap<>();
        variants.put("none", new Variant(plain, "", ""));
        variants.put("local", new Variant(plain, "", high));
        variants.put("redis", new Variant(plain, "rate_limits: {store: \"" + redis.url() + "\"}\n", high));
        variants.put("assert", new Variant(asserted, signing, "    assertion: {ttl_seconds: 60}\n"));
        variants.put("assert-signed", new Variant(asserted, signing, "    assertion: {ttl_seconds: 60, cache: false}\n"));
        variants.put("overload", new Variant(plain, "",
                "    rate_limits: {limits: [" + LIMIT.formatted(o.overloadRate()) + "]}\n"));
        StringBuilder env = new StringBuilder();
        for (Map.Entry<String, Variant> v : variants.entrySet()) {
            GatewayServer g = gateway(work, policies, v.getValue());
            started.add(g);
            env.append(v.getKey()).append('=').append(g.port()).append('\n');
        }

        TestCert client = pki.partnerClient();
        Files.writeString(o.dir().resolve("client.pem"), client.chainPem());
        Files.writeString(o.dir().resolve("client.key"), client.keyPem());
        Files.writeString(o.dir().resolve("root.pem"), pki.rootCa().pem());
        Path tmp = o.dir().resolve("targets.env.tmp");
        Files.writeString(tmp, env);
        Files.move(tmp, o.dir().resolve("targets.env"), StandardCopyOption.ATOMIC_MOVE);
    }

    private static GatewayServer gateway(Path work, Path policies, Variant v) throws Exception {
        String yaml = """
                listen: {port: 0}
                admin: {port: -1}
                pdp: {mode: embedded, policies: "%s", entrypoint: %s}
                %sservices:
                  - name: bench
                    sni: [localhost]
                    server_cert: server-chain.pem
                    server_key: server.key
                    mtls: {verify: required, ca_file: ca.pem}
                    upstream: {url: "%s"}
                    policy: {profile: partner}
                %s""".formatted(policies, BenchFiles.GATEWAY_ENTRYPOINT, v.global(), v.upstream().url(), v.service());
        return new GatewayServer(GatewayConfig.parse(yaml, "gateway.yaml", work),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), Clock.systemUTC()).start();
    }

    /**
     * Answers 200 "ok"; with {@code requireAssertion}, 500 to a request without {@code x-certgate-assertion}
     * (vegeta then counts it as an error).
     */
    static final class Upstream implements AutoCloseable {
        private final Server server;

        Upstream(boolean requireAssertion) {
            server = Server.builder().http(new InetSocketAddress("127.0.0.1", 0)).service("prefix:/", (ctx, req) ->
                    requireAssertion && !req.headers().contains("x-certgate-assertion")
                            ? HttpResponse.of(HttpStatus.INTERNAL_SERVER_ERROR, MediaType.PLAIN_TEXT_UTF_8,
                                    "no x-certgate-assertion")
                            : HttpResponse.of(HttpStatus.OK, MediaType.PLAIN_TEXT_UTF_8, "ok")).build();
            server.start().join();
        }

        String url() {
            return "http://127.0.0.1:" + server.activeLocalPort();
        }

        @Override
        public void close() {
            server.stop().join();
        }
    }

    /** Debian's {@code redis-server} on a free loopback port, without persistence. */
    record Redis(Process process, int port) implements AutoCloseable {
        static Redis start(Path dir) throws Exception {
            Path binary = Path.of("/usr/bin/redis-server");
            if (!Files.isExecutable(binary)) {
                throw new IllegalStateException("redis-server is not installed (apt-get install redis-server)");
            }
            Files.createDirectories(dir);
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            Process p = new ProcessBuilder(binary.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--dir", dir.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                    return new Redis(p, port);
                } catch (IOException notYet) {
                    if (!p.isAlive() || System.nanoTime() > deadline) {
                        p.destroyForcibly();
                        throw new IllegalStateException("redis-server did not start: "
                                + Files.readString(dir.resolve("redis.log")), notYet);
                    }
                    Thread.sleep(20); // between connection attempts while it starts
                }
            }
        }

        String url() {
            return "redis://127.0.0.1:" + port;
        }

        @Override
        public void close() throws InterruptedException {
            process.destroyForcibly().waitFor();
        }
    }
}
