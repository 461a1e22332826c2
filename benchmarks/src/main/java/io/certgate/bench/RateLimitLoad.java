package io.certgate.bench;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.ConnectionPoolListener;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.util.EventLoopGroups;
import io.certgate.pep.GatewayServer;
import io.certgate.pep.config.GatewayConfig;
import io.certgate.testdata.TestCert;
import io.certgate.testdata.TestPki;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoopGroup;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/**
 * What rate limiting costs the gateway, and what it does under overload, with the mTLS keep-alive load of
 * {@link GatewayLoad} (HTTP/1.1, closed loop, embedded PDP, the partner certificate). Four gateways, one
 * variant each, all on loopback in this JVM:
 * <ul>
 *   <li>{@code none}: no rate limit;</li>
 *   <li>{@code local}: one limit per certificate in memory, high enough never to refuse;</li>
 *   <li>{@code redis}: the same limit in a real {@code redis-server} (started here, no persistence);</li>
 *   <li>{@code overload}: a local limit of {@code --overload-rate} requests per second, far below what the
 *       client sends: the share of 429s.</li>
 * </ul>
 * The first three are measured in {@code --rounds} interleaved rounds (each variant in turn, so all see much
 * the same machine); the table has the median req/s of each and its ratio to {@code none}.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.certgate.bench.RateLimitLoad [--seconds 5] [--warmup 5]
 *     [--rounds 3] [--concurrency 8] [--overload-rate 50]</pre>
 */
public final class RateLimitLoad {
    static final List<String> VARIANTS = List.of("none", "local", "redis");

    private RateLimitLoad() {}

    record Options(int seconds, int warmup, int rounds, int concurrency, int overloadRate) {}

    public static void main(String[] args) throws Exception {
        Options o = parse(args);
        Path dir = Files.createTempDirectory("rate-limit-load-");
        try {
            run(o, dir);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        // Armeria's common event loops are non-daemon: do not wait for their quiet period.
        System.exit(0);
    }

    static Options parse(String[] args) {
        Map<String, Integer> v = new LinkedHashMap<>(Map.of("--seconds", 5, "--warmup", 5, "--rounds", 3,
                "--concurrency", 8, "--overload-rate", 50));
        for (int i = 0; i < args.length; i += 2) {
            if (!v.containsKey(args[i]) || i + 1 >= args.length || !args[i + 1].matches("[1-9][0-9]{0,5}")) {
                System.err.println("usage: RateLimitLoad [--seconds 5] [--warmup 5] [--rounds 3] [--concurrency 8]"
                        + " [--overload-rate 50] (positive integers)");
                System.exit(2);
            }
            v.put(args[i], Integer.parseInt(args[i + 1]));
        }
        return new Options(v.get("--seconds"), v.get("--warmup"), v.get("--rounds"), v.get("--concurrency"),
                v.get("--overload-rate"));
    }

    static void run(Options o, Path dir) throws Exception {
        GatewayLoad.routeAuditLogs(dir.resolve("audit.log"), false);
        TestPki pki = TestPki.create(Instant.now());
        pki.writeTo(dir);
        TestCert server = pki.certificate("bench-server").cn(GatewayLoad.HOST).dns(GatewayLoad.HOST).serverAuth()
                .issuedBy(pki.rootCa()).validity(Duration.ofDays(-1), Duration.ofDays(30)).build();
        Files.writeString(dir.resolve("bench-server.pem"), server.chainPem());
        Files.writeString(dir.resolve("bench-server.key"), server.keyPem());
        TestCert client = pki.partnerClient();
        Path policies = GatewayLoad.extractPolicy(dir.resolve("policy"));
        System.out.printf(Locale.ROOT, "RateLimitLoad: %d rounds of %d s per variant (after %d s warm-up), HTTP/1.1"
                        + " keep-alive, concurrency %d, %d cores, load average %.1f at start%n", o.rounds(), o.seconds(),
                o.warmup(), o.concurrency(), Runtime.getRuntime().availableProcessors(), loadAverage());

        String high = "{name: per-cert, key: cert.sha256, rate: 1000000, period: 1s}";
        Map<String, String> limits = new LinkedHashMap<>();
        limits.put("none", null);
        limits.put("local", high);
        limits.put("redis", high);
        limits.put("overload", "{name: per-cert, key: cert.sha256, rate: " + o.overloadRate() + ", period: 1s}");

        GatewayLoad.Upstream upstream = new GatewayLoad.Upstream();
        EventLoopGroup loops = EventLoopGroups.newEventLoopGroup(2, "load-client", true);
        ClientFactory factory = GatewayLoad.armeriaFactory(pki, client, loops, ConnectionPoolListener.noop());
        List<GatewayServer> gateways = new ArrayList<>();
        Redis redis = Redis.start(dir.resolve("redis"));
        try {
            Map<String, WebClient> clients = new LinkedHashMap<>();
            for (Map.Entry<String, String> l : limits.entrySet()) {
                String store = l.getKey().equals("redis") ? "rate_limits: {store: \"" + redis.url() + "\"}\n" : "";
                GatewayServer g = gateway(dir, policies, upstream, store, l.getValue());
                gateways.add(g);
                clients.put(l.getKey(), GatewayLoad.webClient(factory, SessionProtocol.H1, g.port()));
            }
            Map<String, List<Double>> rps = new LinkedHashMap<>();
            for (String variant : VARIANTS) {
                GatewayLoad.drive(ok(clients.get(variant)), o.concurrency(), Duration.ofSeconds(o.warmup()),
                        Long.MAX_VALUE, variant);
                rps.put(variant, new ArrayList<>());
            }
            for (int round = 1; round <= o.rounds(); round++) {
                for (String variant : VARIANTS) {
                    GatewayLoad.Drive d = GatewayLoad.drive(ok(clients.get(variant)), o.concurrency(),
                            Duration.ofSeconds(o.seconds()), Long.MAX_VALUE, variant);
                    double r = d.ok() / d.seconds();
                    rps.get(variant).add(r);
                    System.out.printf(Locale.ROOT, "  round %d %-6s %8.1f req/s  p50 %6.2f ms  p99 %6.2f ms  errors %d"
                                    + "  load %.1f%n", round, variant, r, GatewayLoad.ms(d.latency(), 50),
                            GatewayLoad.ms(d.latency(), 99), d.errors(), loadAverage());
                    if (d.errors() > 0) {
                        System.out.println("    errors: " + d.errorSamples());
                    }
                }
            }

            LongAdder limited = new LongAdder();
            WebClient overloaded = clients.get("overload");
            GatewayLoad.Drive d = GatewayLoad.drive(handshake -> {
                AggregatedHttpResponse r = overloaded.get(GatewayLoad.PATH).aggregate().join();
                if (r.status().code() == 429) {
                    limited.increment();
                } else if (r.status().code() != 200) {
                    throw new IllegalStateException(r.status() + " " + GatewayLoad.abbreviate(r.contentUtf8()));
                }
            }, o.concurrency(), Duration.ofSeconds(o.seconds()), Long.MAX_VALUE, "overload");

            double base = median(rps.get("none"));
            System.out.println();
            System.out.println("| limit | median req/s | vs none | rounds (req/s) |");
            System.out.println("|---|---:|---:|---|");
            for (String variant : VARIANTS) {
                double m = median(rps.get(variant));
                System.out.printf(Locale.ROOT, "| %s | %.0f | %.2f | %s |%n", variant, m, m / base,
                        rps.get(variant).stream().map(x -> String.format(Locale.ROOT, "%.0f", x)).toList());
            }
            long total = d.ok();
            System.out.printf(Locale.ROOT, "%noverload: limit %d/s per certificate (burst %1$d), %d requests in %.1f s"
                            + " (%.0f req/s): %d answered 429 (%.1f%%), %d admitted (%.1f/s), errors %d%n", o.overloadRate(),
                    total,
                    d.seconds(), total / d.seconds(), limited.sum(), 100.0 * limited.sum() / Math.max(1, total),
                    total - limited.sum(), (total - limited.sum()) / d.seconds(), d.errors());
        } finally {
            gateways.forEach(GatewayServer::close);
            redis.close(); // after the gateways, or their store connection would try to reconnect
            factory.close();
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            upstream.close();
        }
    }

    private static GatewayLoad.Load ok(WebClient web) {
        return handshake -> {
            AggregatedHttpResponse r = web.get(GatewayLoad.PATH).aggregate().join();
            if (r.status().code() != 200 || !"ok".equals(r.contentUtf8())) {
                throw new IllegalStateException(r.status() + " " + GatewayLoad.abbreviate(r.contentUtf8()));
            }
        };
    }

    private static GatewayServer gateway(Path dir, Path policies, GatewayLoad.Upstream upstream, String store,
            String limit) throws Exception {
        String yaml = """
                listen: {port: 0}
                admin: {port: -1}
                pdp: {mode: embedded, policies: "%s", entrypoint: %s}
                %sservices:
                  - name: bench
                    sni: [%s]
                    server_cert: bench-server.pem
                    server_key: bench-server.key
                    mtls: {verify: required, ca_file: ca.pem}
                    upstream: {url: "%s"}
                    policy: {profile: partner}
                """.formatted(policies, GatewayLoad.ENTRYPOINT, store, GatewayLoad.HOST, upstream.url());
        if (limit != null) {
            yaml += "    rate_limits: {limits: [" + limit + "]}\n";
        }
        return new GatewayServer(GatewayConfig.parse(yaml, "gateway.yaml", dir),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), Clock.systemUTC()).start();
    }

    static double median(List<Double> xs) {
        List<Double> s = xs.stream().sorted().toList();
        return s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
    }

    static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
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
                } catch (java.io.IOException notYet) {
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
