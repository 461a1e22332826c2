package io.certgate.bench;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.ConnectionPoolListener;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.common.util.EventLoopGroups;
import com.linecorp.armeria.server.Server;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.certgate.pdp.Pdp;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.pdp.server.PdpServer;
import io.certgate.pep.GatewayServer;
import io.certgate.pep.config.GatewayConfig;
import io.certgate.testdata.TestCert;
import io.certgate.testdata.TestPki;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.OpenSsl;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.stream.Stream;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.HdrHistogram.Histogram;
import org.slf4j.LoggerFactory;

/**
 * Load test of the PEP gateway with a real mTLS client, all on loopback in this JVM: a test PKI, an
 * upstream answering 200 "ok", and a gateway with one service ({@value #HOST}, client certificate
 * required, the gateway test policy) whose PDP is embedded or a {@link PdpServer} reached over gRPC
 * (decision cache off, so every request asks it). The load client runs on its own threads (and, for
 * Armeria, its own event loops); it is closed-loop: each of {@code --concurrency} workers sends its
 * next request when the previous answer arrived.
 *
 * <p>Scenarios:
 * <ul>
 *   <li>{@code keepalive-h2}: Armeria WebClient over HTTP/2 (ALPN h2), all workers multiplexed on one
 *       TLS connection;</li>
 *   <li>{@code keepalive-h1}: Armeria WebClient over HTTP/1.1 with keep-alive, a pool of up to
 *       {@code --concurrency} TLS connections;</li>
 *   <li>{@code handshake-h1}: one new TCP connection and one full TLS handshake per request, HTTP/1.1
 *       {@code GET} with {@code Connection: close}; the client is Netty with BoringSSL (as the gateway),
 *       its session cache disabled;</li>
 *   <li>{@code handshake-h1-jdk}: the same with the JDK's {@link SSLSocket}, each from a fresh
 *       {@link SSLContext} (an empty session cache). JSSE's pure-Java elliptic-curve code makes this
 *       client several times as expensive as the gateway's side of the handshake.</li>
 * </ul>
 * Every request presents the partner client certificate (EC P-256, with its intermediate) and must
 * come back 200 with body "ok"; anything else counts as an error. The handshake clients count the
 * server certificate verifications, which a resumed session would skip: one per connection proves
 * that every handshake was a full one.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar io.certgate.bench.GatewayLoad [--seconds 10]
 * [--warmup 5] [--warmup-max 15] [--concurrency 8]
 * [--scenarios keepalive-h2,keepalive-h1,handshake-h1,handshake-h1-jdk]
 * [--pdp embedded,remote] [--audit file|off] [--max-requests 2000000]}
 */
public final class GatewayLoad {
    static final String HOST = "bench.example.test";
    static final String PATH = "/bench";
    static final String ENTRYPOINT = "gw/authz/decision";
    static final List<String> SCENARIOS = List.of("keepalive-h2", "keepalive-h1", "handshake-h1", "handshake-h1-jdk");
    static final List<String> MODES = List.of("embedded", "remote");
    /** Latencies above this are clamped (they would already be far beyond any timeout). */
    static final long MAX_LATENCY_US = TimeUnit.SECONDS.toMicros(60);

    private GatewayLoad() {}

    /**
     * @param warmup unmeasured load before each measurement, in seconds
     * @param warmupMax the warm-up goes on (in 1 s steps, up to this many seconds in all) while the JIT compilers
     *     still work hard: on two cores, C2 compiling Armeria, Netty and the wasm policy otherwise eats the window
     */
    record Options(int seconds, int warmup, int warmupMax, int concurrency, List<String> scenarios, List<String> modes,
            boolean audit, long maxRequests) {}

    /**
     * @param handshakes TLS connections the client opened during the measured window
     * @param fullHandshakes handshake scenarios: server certificates the client verified in the window (a resumed
     *     session would not be verified again)
     * @param tls the negotiated protocol and cipher suite (handshake scenarios)
     * @param pool keep-alive: connections opened since the scenario's warm-up began (the ones carrying its requests)
     * @param cpuMsPerRequest CPU time of this whole JVM (client, gateway, upstream, PDP) per successful request
     * @param jitMillis time the JIT compilers spent during the window
     * @param warmupSeconds how long the warm-up before it lasted
     * @param loadAverage the machine's 1-minute load average at the end of the window
     */
    record Result(String scenario, String mode, long ok, long errors, double seconds, Histogram latency,
            Histogram handshake, long handshakes, long fullHandshakes, String tls, long pool, long upstreamRequests,
            long pdpDecisions,
            double cpuMsPerRequest, long jitMillis, int warmupSeconds, double loadAverage, List<String> errorSamples) {
        double rps() {
            return ok / seconds;
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = parse(args);
        Path dir = Files.createTempDirectory("gateway-load-");
        long errors;
        try {
            errors = run(o, dir);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        // Armeria's common event loops are non-daemon: do not wait for their quiet period.
        System.exit(errors == 0 ? 0 : 1);
    }

    static Options parse(String[] args) {
        int seconds = 10;
        int warmup = 5;
        int warmupMax = 15;
        int concurrency = 8;
        List<String> scenarios = SCENARIOS;
        List<String> modes = MODES;
        boolean audit = true;
        long max = 2_000_000;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                usage(null);
            }
            if (i + 1 >= args.length) {
                usage("missing value for " + a);
            }
            String v = args[++i];
            try {
                switch (a) {
                    case "--seconds" -> seconds = bounded(a, Integer.parseInt(v), 1, 3600);
                    case "--warmup" -> warmup = bounded(a, Integer.parseInt(v), 0, 600);
                    case "--warmup-max" -> warmupMax = bounded(a, Integer.parseInt(v), 0, 600);
                    case "--concurrency" -> concurrency = bounded(a, Integer.parseInt(v), 1, 512);
                    case "--scenarios" -> scenarios = subset(a, v, SCENARIOS);
                    case "--pdp" -> modes = subset(a, v, MODES);
                    case "--audit" -> {
                        if (!v.equals("file") && !v.equals("off")) {
                            usage("--audit is file or off");
                        }
                        audit = v.equals("file");
                    }
                    case "--max-requests" -> max = bounded(a, Integer.parseInt(v), 1, Integer.MAX_VALUE);
                    default -> usage("unknown option " + a);
                }
            } catch (NumberFormatException e) {
                usage(a + " needs a number, got '" + v + "'");
            }
        }
        return new Options(seconds, warmup, Math.max(warmup, warmupMax), concurrency, scenarios, modes, audit, max);
    }

    private static int bounded(String name, int v, int min, int max) {
        if (v < min || v > max) {
            usage(name + " must be between " + min + " and " + max);
        }
        return v;
    }

    private static List<String> subset(String name, String v, List<String> allowed) {
        List<String> out = new ArrayList<>();
        for (String s : v.split(",")) {
            if (!allowed.contains(s.trim())) {
                usage(name + ": '" + s + "' is not one of " + allowed);
            }
            out.add(s.trim());
        }
        return out;
    }

    private static void usage(String error) {
        if (error != null) {
            System.err.println("error: " + error);
        }
        System.err.println("usage: GatewayLoad [--seconds 10] [--warmup 5] [--warmup-max 15] [--concurrency 8]"
                + " [--scenarios " + String.join(",", SCENARIOS) + "] [--pdp " + String.join(",", MODES) + "]"
                + " [--audit file|off] [--max-requests 2000000]");
        System.exit(error == null ? 0 : 2);
    }

    /** Runs every scenario × PDP mode, prints the table; returns the number of failed requests. */
    static long run(Options o, Path dir) throws Exception {
        Path auditLog = dir.resolve("audit.log");
        routeAuditLogs(auditLog, o.audit());

        // PKI: the test PKI plus a server certificate for the benchmark host, trusted roots = the root CA only.
        TestPki pki = TestPki.create(Instant.now());
        pki.writeTo(dir);
        TestCert server = pki.certificate("bench-server").cn(HOST).dns(HOST).serverAuth().issuedBy(pki.rootCa())
                .validity(Duration.ofDays(-1), Duration.ofDays(30)).build();
        Files.writeString(dir.resolve("bench-server.pem"), server.chainPem());
        Files.writeString(dir.resolve("bench-server.key"), server.keyPem());
        Files.writeString(dir.resolve("ca-only.pem"), TestPki.pem(pki.rootCa().certificate()));
        TestCert client = pki.partnerClient();
        Path policies = extractPolicy(dir.resolve("policy"));

        System.out.printf(Locale.ROOT, "GatewayLoad: %d s measured (after %d-%d s warm-up) per scenario, concurrency"
                        + " %d, %d cores, Java %s, server TLS %s, audit+decision logs %s%n",
                o.seconds(), o.warmup(), o.warmupMax(), o.concurrency(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"),
                OpenSsl.isAvailable() ? "OpenSSL (" + OpenSsl.versionString() + ")" : "JDK",
                o.audit() ? "to a file" : "off");
        int cores = Runtime.getRuntime().availableProcessors();
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        if (load >= cores) {
            System.out.printf(Locale.ROOT, "warning: the load average is %.1f on %d cores before starting: other"
                    + " processes compete for the CPU, figures will be low and noisy%n", load, cores);
        }

        Upstream upstream = new Upstream();
        EventLoopGroup clientLoops = EventLoopGroups.newEventLoopGroup(2, "load-client", true);
        List<Result> results = new ArrayList<>();
        List<Setup> setups = new ArrayList<>();
        try {
            for (String mode : o.modes()) {
                Setup setup = Setup.start(mode, dir, policies, upstream);
                setups.add(setup);
                sanityCheck(setup.gateway.port(), pki, client, upstream, clientLoops);
            }
            // Scenario by scenario, each PDP mode in turn: both see the same JIT state and much the same
            // competition for the CPU, so their ratio is fairer than with one mode after the other.
            for (String scenario : o.scenarios()) {
                for (Setup setup : setups) {
                    results.add(runScenario(o, scenario, setup.mode, setup.gateway.port(), pki, client, upstream,
                            setup.pdpRegistry, clientLoops));
                }
            }
        } finally {
            setups.forEach(Setup::close);
            clientLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            upstream.close();
        }
        if (o.audit()) {
            System.out.printf(Locale.ROOT, "(audit + decision log written: %.1f MB)%n",
                    Files.size(auditLog) / 1e6);
        }
        return print(results, o);
    }

    /** One gateway (and for {@code remote} its PDP server), all on ephemeral loopback ports. */
    static final class Setup implements AutoCloseable {
        final String mode;
        final GatewayServer gateway;
        /** The registry in which the PDP counts its decisions. */
        final MeterRegistry pdpRegistry;
        private final Pdp remotePdp;
        private final PdpServer remoteServer;

        private Setup(String mode, GatewayServer gateway, MeterRegistry pdpRegistry, Pdp remotePdp,
                PdpServer remoteServer) {
            this.mode = mode;
            this.gateway = gateway;
            this.pdpRegistry = pdpRegistry;
            this.remotePdp = remotePdp;
            this.remoteServer = remoteServer;
        }

        static Setup start(String mode, Path dir, Path policies, Upstream upstream) throws Exception {
            MeterRegistry gatewayRegistry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            Pdp remotePdp = null;
            PdpServer remoteServer = null;
            String pdpYaml;
            MeterRegistry pdpRegistry;
            if (mode.equals("remote")) {
                PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
                // Same settings as the embedded PDP (PdpConfig defaults, the same policy), on an ephemeral port.
                remotePdp = Pdp.start(PdpConfig.defaults().withOverrides(0, null, policies, ENTRYPOINT), r,
                        Clock.systemUTC());
                if (remotePdp.engine().active() == null) {
                    remotePdp.close();
                    throw new IllegalStateException("the remote PDP has no policy: " + remotePdp.bundles().status());
                }
                remoteServer = new PdpServer(remotePdp, r).start();
                pdpRegistry = r;
                pdpYaml = "{mode: remote, address: \"127.0.0.1:%d\", timeout_ms: 200, cache_size: 0, entrypoint: %s}"
                        .formatted(remoteServer.port(), ENTRYPOINT);
            } else {
                pdpRegistry = gatewayRegistry; // the embedded PDP counts its decisions in the gateway's registry
                pdpYaml = "{mode: embedded, policies: \"%s\", entrypoint: %s}".formatted(policies, ENTRYPOINT);
            }
            String yaml = """
                    listen: {port: 0}
                    admin: {port: -1}
                    pdp: %s
                    services:
                      - name: bench
                        sni: [%s]
                        server_cert: bench-server.pem
                        server_key: bench-server.key
                        mtls: {verify: required, ca_file: ca-only.pem}
                        upstream: {url: "%s"}
                        policy: {profile: partner}
                    """.formatted(pdpYaml, HOST, upstream.url());
            GatewayServer gateway;
            try {
                gateway = new GatewayServer(GatewayConfig.parse(yaml, "gateway.yaml", dir), gatewayRegistry,
                        Clock.systemUTC()).start();
            } catch (Exception | Error e) {
                if (remoteServer != null) {
                    remoteServer.close();
                    remotePdp.close();
                }
                throw e;
            }
            System.out.printf(Locale.ROOT, "pdp %s: gateway on 127.0.0.1:%d (%s)%n", mode, gateway.port(),
                    gateway.pdp().describe());
            return new Setup(mode, gateway, pdpRegistry, remotePdp, remoteServer);
        }

        @Override
        public void close() {
            gateway.close();
            if (remoteServer != null) {
                remoteServer.close();
            }
            if (remotePdp != null) {
                remotePdp.close();
            }
        }
    }

    /** Before measuring: the partner gets 200 "ok" with its identity upstream; another CA's client gets 401. */
    private static void sanityCheck(int port, TestPki pki, TestCert client, Upstream upstream, EventLoopGroup loops)
            throws InterruptedException {
        ClientFactory f = armeriaFactory(pki, client, loops, ConnectionPoolListener.noop());
        ClientFactory other = armeriaFactory(pki, pki.otherCaClient(), loops, ConnectionPoolListener.noop());
        try {
            WebClient web = webClient(f, SessionProtocol.H2, port);
            AggregatedHttpResponse r = web.get(PATH).aggregate().join();
            // A cold remote PDP (first gRPC connection, nothing JIT-compiled) can miss the 200 ms deadline:
            // the gateway then fails closed with 503. Allow a few such answers before measuring anything.
            for (int i = 0; i < 20 && r.status().code() == 503; i++) {
                System.out.println("  cold start: " + r.status() + " " + abbreviate(r.contentUtf8()) + "; retrying");
                Thread.sleep(200);
                r = web.get(PATH).aggregate().join();
            }
            RequestHeaders seen = upstream.last;
            if (r.status().code() != 200 || !"ok".equals(r.contentUtf8()) || seen == null
                    || !"billing-service".equals(seen.get("x-ssl-client-cn"))
                    || !"billing-service".equals(seen.get("x-client-id"))) {
                throw new IllegalStateException("sanity check failed: " + r.status() + " " + r.contentUtf8()
                        + ", upstream saw " + seen);
            }
            long before = upstream.count.sum();
            AggregatedHttpResponse denied = webClient(other, SessionProtocol.H2, port).get(PATH).aggregate().join();
            if (denied.status().code() != 401 || upstream.count.sum() != before) {
                throw new IllegalStateException("sanity check failed: a client of another CA got " + denied.status()
                        + " " + denied.contentUtf8());
            }
        } finally {
            f.close();
            other.close();
        }
    }

    private static Result runScenario(Options o, String scenario, String mode, int port, TestPki pki, TestCert client,
            Upstream upstream, MeterRegistry pdpRegistry, EventLoopGroup loops) throws Exception {
        LongAdder connections = new LongAdder();
        LongAdder pool = new LongAdder();
        CountingTrustManager trust = new CountingTrustManager(pki.rootCa().certificate());
        ClientFactory factory = null;
        Supplier<String> negotiated = () -> "";
        Load load;
        if (scenario.startsWith("keepalive")) {
            ConnectionPoolListener counting = new ConnectionPoolListener() {
                @Override
                public void connectionOpen(SessionProtocol p, InetSocketAddress remote, InetSocketAddress local,
                        io.netty.util.AttributeMap attrs) {
                    connections.increment();
                    pool.increment();
                }

                @Override
                @SuppressWarnings("deprecation") // the abstract one; the newer overload (with a reason) delegates to it
                public void connectionClosed(SessionProtocol p, InetSocketAddress remote, InetSocketAddress local,
                        io.netty.util.AttributeMap attrs) {
                    // counted when opened
                }
            };
            factory = armeriaFactory(pki, client, loops, counting);
            WebClient web = webClient(factory, scenario.endsWith("h2") ? SessionProtocol.H2 : SessionProtocol.H1, port);
            load = (handshake) -> {
                AggregatedHttpResponse r = web.get(PATH).aggregate().join();
                if (r.status().code() != 200 || !"ok".equals(r.contentUtf8())) {
                    throw new IllegalStateException(r.status() + " " + abbreviate(r.contentUtf8()));
                }
            };
        } else if (scenario.equals("handshake-h1")) {
            NettyHandshakeClient hc = new NettyHandshakeClient(client, trust, port, loops);
            negotiated = () -> hc.negotiated;
            load = (handshake) -> {
                connections.increment();
                hc.request(handshake);
            };
        } else {
            JdkHandshakeClient hc = new JdkHandshakeClient(client, trust, port);
            negotiated = () -> hc.negotiated;
            load = (handshake) -> {
                connections.increment();
                hc.request(handshake);
            };
        }
        try {
            int warmed = warmUp(o, load, scenario);
            connections.reset();
            trust.serverChecks.reset();
            long upstreamBefore = upstream.count.sum();
            double pdpBefore = decisions(pdpRegistry);
            long cpuBefore = processCpuNanos();
            long jitBefore = jitMillis();
            Drive d = drive(load, o.concurrency(), Duration.ofSeconds(o.seconds()), o.maxRequests(), scenario);
            Result r = new Result(scenario, mode, d.ok, d.errors, d.seconds, d.latency, d.handshake, connections.sum(),
                    trust.serverChecks.sum(), negotiated.get(), pool.sum(), upstream.count.sum() - upstreamBefore,
                    (long) (decisions(pdpRegistry) - pdpBefore),
                    (processCpuNanos() - cpuBefore) / 1e6 / Math.max(1, d.ok), jitMillis() - jitBefore, warmed,
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), d.errorSamples);
            System.out.printf(Locale.ROOT, "  %-16s %-8s %9.1f req/s  p50 %6.2f ms  p99 %6.2f ms  errors %d"
                            + "  (warm-up %d s, JIT %d ms while measuring)%n",
                    scenario, mode, r.rps(), ms(r.latency, 50), ms(r.latency, 99), r.errors, warmed, r.jitMillis());
            return r;
        } finally {
            if (factory != null) {
                factory.close();
            }
        }
    }

    // ---------------------------------------------------------------- the closed-loop driver

    @FunctionalInterface
    interface Load {
        /** One request; throws on anything but 200 "ok". Records the connect+handshake time if it makes one. */
        void call(Histogram handshake) throws Exception;
    }

    record Drive(long ok, long errors, double seconds, Histogram latency, Histogram handshake,
            List<String> errorSamples) {}

    /**
     * {@code concurrency} threads send requests back to back until {@code duration} has passed or
     * {@code maxRequests} were sent, whichever comes first.
     */
    static Drive drive(Load load, int concurrency, Duration duration, long maxRequests, String name)
            throws InterruptedException {
        LongAdder ok = new LongAdder();
        LongAdder errors = new LongAdder();
        AtomicLong issued = new AtomicLong();
        ConcurrentLinkedQueue<String> samples = new ConcurrentLinkedQueue<>();
        List<Histogram> latencies = new ArrayList<>();
        List<Histogram> handshakes = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        AtomicLong startNanos = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < concurrency; i++) {
            Histogram lat = new Histogram(MAX_LATENCY_US, 3);
            Histogram hs = new Histogram(MAX_LATENCY_US, 3);
            latencies.add(lat);
            handshakes.add(hs);
            Thread t = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                long deadline = startNanos.get() + duration.toNanos();
                while (System.nanoTime() < deadline && issued.getAndIncrement() < maxRequests) {
                    long t0 = System.nanoTime();
                    try {
                        load.call(hs);
                        lat.recordValue(Math.min(MAX_LATENCY_US, (System.nanoTime() - t0) / 1000));
                        ok.increment();
                    } catch (Exception | AssertionError e) {
                        errors.increment();
                        if (samples.size() < 5) {
                            samples.add(e.toString());
                        }
                    }
                }
            }, "load-" + name + "-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        startNanos.set(System.nanoTime());
        go.countDown();
        long joinUntil = startNanos.get() + duration.toNanos() + TimeUnit.SECONDS.toNanos(60);
        for (Thread t : threads) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(joinUntil - System.nanoTime())));
            if (t.isAlive()) {
                throw new IllegalStateException(t.getName() + " did not finish within 60 s after the deadline");
            }
        }
        double seconds = (System.nanoTime() - startNanos.get()) / 1e9;
        Histogram latency = new Histogram(MAX_LATENCY_US, 3);
        latencies.forEach(latency::add);
        Histogram handshake = new Histogram(MAX_LATENCY_US, 3);
        handshakes.forEach(handshake::add);
        return new Drive(ok.sum(), errors.sum(), seconds, latency, handshake, List.copyOf(samples));
    }

    // ---------------------------------------------------------------- clients

    static ClientFactory armeriaFactory(TestPki pki, TestCert client, EventLoopGroup loops,
            ConnectionPoolListener listener) {
        return ClientFactory.builder()
                .workerGroup(loops, false)
                .meterRegistry(new SimpleMeterRegistry())
                .tls(TlsKeyPair.of(client.privateKey(), client.chain()))
                .tlsCustomizer(t -> t.trustManager(pki.rootCa().certificate()))
                .connectionPoolListener(listener)
                .build();
    }

    static WebClient webClient(ClientFactory f, SessionProtocol protocol, int port) {
        return WebClient.builder(protocol, Endpoint.of(HOST, port).withIpAddr("127.0.0.1"))
                .factory(f)
                .responseTimeout(Duration.ofSeconds(10))
                .build();
    }

    /**
     * HTTP/1.1 over a new JDK {@link SSLSocket} per request. Each socket comes from a new
     * {@link SSLContext}, whose client session cache is empty: every handshake is a full one
     * (certificate exchange, client CertificateVerify), never a resumption.
     */
    static final class JdkHandshakeClient {
        private final KeyManager[] keyManagers;
        private final TrustManager[] trustManagers;
        private final InetSocketAddress address;
        private final byte[] request = ("GET " + PATH + " HTTP/1.1\r\nHost: " + HOST
                + "\r\nUser-Agent: certgate-gateway-load\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        volatile String negotiated = "";

        JdkHandshakeClient(TestCert client, CountingTrustManager trust, int port) throws Exception {
            char[] pw = "bench".toCharArray();
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("client", client.privateKey(), pw, client.chain().toArray(X509Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, pw);
            this.keyManagers = kmf.getKeyManagers();
            this.trustManagers = new TrustManager[] {trust};
            this.address = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port);
        }

        void request(Histogram handshake) throws Exception {
            long t0 = System.nanoTime();
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(keyManagers, trustManagers, null);
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket()) {
                SSLParameters p = s.getSSLParameters();
                p.setServerNames(List.of(new SNIHostName(HOST)));
                p.setEndpointIdentificationAlgorithm("HTTPS");
                s.setSSLParameters(p);
                s.setTcpNoDelay(true);
                s.setSoTimeout(10_000);
                s.connect(address, 5_000);
                s.startHandshake();
                handshake.recordValue(Math.min(MAX_LATENCY_US, (System.nanoTime() - t0) / 1000));
                if (negotiated.isEmpty()) {
                    negotiated = s.getSession().getProtocol() + " " + s.getSession().getCipherSuite();
                }
                OutputStream out = s.getOutputStream();
                out.write(request);
                out.flush();
                String status = readResponse(s.getInputStream());
                if (status != null) {
                    throw new IllegalStateException(status);
                }
            }
        }

        /** Reads one response (Content-Length, chunked or until EOF); null if it is 200 "ok", else why not. */
        private static String readResponse(InputStream in) throws IOException {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(512);
            byte[] chunk = new byte[4096];
            int headerEnd = -1;
            long contentLength = -1;
            boolean chunked = false;
            while (true) {
                int n = in.read(chunk);
                if (n < 0) {
                    break;
                }
                buf.write(chunk, 0, n);
                if (buf.size() > 64 * 1024) {
                    return "response larger than 64 KiB";
                }
                String text = buf.toString(StandardCharsets.ISO_8859_1);
                if (headerEnd < 0) {
                    headerEnd = text.indexOf("\r\n\r\n");
                    if (headerEnd >= 0) {
                        for (String line : text.substring(0, headerEnd).split("\r\n")) {
                            String lower = line.toLowerCase(Locale.ROOT);
                            if (lower.startsWith("content-length:")) {
                                contentLength = Long.parseLong(lower.substring(15).trim());
                            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                                chunked = true;
                            }
                        }
                    }
                }
                if (headerEnd >= 0 && (contentLength >= 0 && text.length() - headerEnd - 4 >= contentLength
                        || chunked && text.endsWith("0\r\n\r\n"))) {
                    break;
                }
            }
            String text = buf.toString(StandardCharsets.ISO_8859_1);
            if (headerEnd < 0) {
                return "incomplete response: " + abbreviate(text);
            }
            String statusLine = text.substring(0, text.indexOf("\r\n"));
            String body = text.substring(headerEnd + 4);
            if (chunked) {
                body = dechunk(body);
            }
            if (!statusLine.startsWith("HTTP/1.1 200 ") || !body.equals("ok")) {
                return statusLine + " " + abbreviate(body);
            }
            return null;
        }

        private static String dechunk(String s) {
            StringBuilder out = new StringBuilder();
            int i = 0;
            while (i < s.length()) {
                int eol = s.indexOf("\r\n", i);
                if (eol < 0) {
                    break;
                }
                int size = Integer.parseInt(s.substring(i, eol).split(";")[0].trim(), 16);
                if (size == 0) {
                    break;
                }
                out.append(s, eol + 2, Math.min(s.length(), eol + 2 + size));
                i = eol + 2 + size + 2;
            }
            return out.toString();
        }
    }

    /**
     * HTTP/1.1 over a new Netty channel per request, TLS by BoringSSL (netty-tcnative, as the gateway
     * uses) with the client session cache disabled: nothing to resume, every handshake a full one.
     */
    static final class NettyHandshakeClient {
        private final SslContext ssl;
        private final Bootstrap bootstrap;
        private final InetSocketAddress address;
        private final int port;
        volatile String negotiated = "";

        NettyHandshakeClient(TestCert client, CountingTrustManager trust, int port, EventLoopGroup loops)
                throws Exception {
            this.ssl = SslContextBuilder.forClient()
                    .sslProvider(SslProvider.OPENSSL)
                    .keyManager(client.privateKey(), client.chain())
                    .trustManager(trust)
                    .endpointIdentificationAlgorithm("HTTPS")
                    .protocols("TLSv1.3", "TLSv1.2")
                    .build();
            if (!(ssl.sessionContext() instanceof OpenSslSessionContext sessions)) {
                throw new IllegalStateException("BoringSSL (netty-tcnative) is not available: " + ssl.sessionContext());
            }
            sessions.setSessionCacheEnabled(false);
            this.port = port;
            this.address = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port);
            this.bootstrap = new Bootstrap().group(loops).channel(socketChannelType(loops))
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000);
        }

        void request(Histogram handshake) throws Exception {
            long t0 = System.nanoTime();
            AtomicLong handshakeDone = new AtomicLong();
            CompletableFuture<String> outcome = new CompletableFuture<>();
            Bootstrap b = bootstrap.clone().handler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    SslHandler tls = ssl.newHandler(ch.alloc(), HOST, port); // SNI = HOST
                    tls.setHandshakeTimeoutMillis(5_000);
                    tls.handshakeFuture().addListener(f -> {
                        if (!f.isSuccess()) {
                            outcome.completeExceptionally(f.cause());
                            return;
                        }
                        handshakeDone.set(System.nanoTime());
                        if (negotiated.isEmpty()) {
                            negotiated = tls.engine().getSession().getProtocol() + " "
                                    + tls.engine().getSession().getCipherSuite();
                        }
                        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, PATH);
                        req.headers().set(HttpHeaderNames.HOST, HOST)
                                .set(HttpHeaderNames.USER_AGENT, "certgate-gateway-load")
                                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                        ch.writeAndFlush(req);
                    });
                    ch.pipeline().addLast(tls, new HttpClientCodec(), new HttpObjectAggregator(64 * 1024),
                            new SimpleChannelInboundHandler<FullHttpResponse>() {
                                @Override
                                protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse res) {
                                    String body = res.content().toString(StandardCharsets.UTF_8);
                                    outcome.complete(res.status().code() == 200 && body.equals("ok") ? null
                                            : res.status() + " " + abbreviate(body));
                                    ctx.close();
                                }

                                @Override
                                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                    outcome.completeExceptionally(cause);
                                    ctx.close();
                                }

                                @Override
                                public void channelInactive(ChannelHandlerContext ctx) {
                                    outcome.completeExceptionally(new IOException("closed before a response"));
                                }
                            });
                }
            });
            ChannelFuture connect = b.connect(address);
            connect.addListener(f -> {
                if (!f.isSuccess()) {
                    outcome.completeExceptionally(f.cause());
                }
            });
            try {
                String problem = outcome.get(10, TimeUnit.SECONDS);
                if (problem != null) {
                    throw new IllegalStateException(problem);
                }
                handshake.recordValue(Math.min(MAX_LATENCY_US, (handshakeDone.get() - t0) / 1000));
            } finally {
                connect.channel().close();
            }
        }
    }

    /** The Netty channel type matching the event loops Armeria creates (epoll on Linux, else NIO). */
    @SuppressWarnings("deprecation") // no public replacement; the transport classes are runtime-only dependencies
    static Class<? extends Channel> socketChannelType(EventLoopGroup loops) {
        return EventLoopGroups.socketChannelType(loops);
    }

    /** The PKIX trust manager for the root CA, counting server certificate verifications (full handshakes). */
    static final class CountingTrustManager extends X509ExtendedTrustManager {
        final LongAdder serverChecks = new LongAdder();
        private final X509ExtendedTrustManager delegate;

        CountingTrustManager(X509Certificate root) throws Exception {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("root", root);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(trust);
            this.delegate = (X509ExtendedTrustManager) tmf.getTrustManagers()[0];
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            serverChecks.increment();
            delegate.checkServerTrusted(chain, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            serverChecks.increment();
            delegate.checkServerTrusted(chain, authType, engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            serverChecks.increment();
            delegate.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            delegate.checkClientTrusted(chain, authType, socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            delegate.checkClientTrusted(chain, authType, engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }

    // ---------------------------------------------------------------- the upstream

    /** Answers 200 "ok" to everything, counting requests and keeping the last request's headers. */
    static final class Upstream implements AutoCloseable {
        final LongAdder count = new LongAdder();
        volatile RequestHeaders last;
        private final Server server;

        Upstream() {
            server = Server.builder().http(new InetSocketAddress("127.0.0.1", 0)).service("prefix:/", (ctx, req) -> {
                count.increment();
                last = req.headers();
                return HttpResponse.of(HttpStatus.OK, MediaType.PLAIN_TEXT_UTF_8, "ok");
            }).build();
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

    // ---------------------------------------------------------------- helpers

    /** The gateway test policy, from this jar's resources, as a directory the PDP compiles with opa. */
    static Path extractPolicy(Path dir) throws IOException {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("/policies/gateway/gw/authz.rego", "gw/authz.rego");
        files.put("/policies/gateway/data.json", "data.json");
        for (Map.Entry<String, String> f : files.entrySet()) {
            try (InputStream in = GatewayLoad.class.getResourceAsStream(f.getKey())) {
                if (in == null) {
                    throw new IllegalStateException("resource missing from the jar: " + f.getKey());
                }
                Path target = dir.resolve(f.getValue());
                Files.createDirectories(target.getParent());
                Files.write(target, in.readAllBytes());
            }
        }
        return dir;
    }

    /**
     * The access log (one line per request) and the PDP's decision log (one per decision) go to a file,
     * as in production minus the log shipper, or are switched off; never to the console.
     */
    static void routeAuditLogs(Path file, boolean enabled) {
        LoggerContext lc = (LoggerContext) LoggerFactory.getILoggerFactory();
        FileAppender<ILoggingEvent> appender = new FileAppender<>();
        appender.setContext(lc);
        appender.setName("gateway-load-audit");
        appender.setFile(file.toString());
        appender.setAppend(false);
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(lc);
        encoder.setPattern("%msg%n");
        encoder.start();
        appender.setEncoder(encoder);
        appender.start();
        for (String name : List.of("certgate.decisions", "certgate.access")) {
            ch.qos.logback.classic.Logger l = lc.getLogger(name);
            l.detachAndStopAllAppenders();
            l.setAdditive(false);
            l.setLevel(enabled ? Level.INFO : Level.OFF);
            l.addAppender(appender);
        }
        lc.getLogger("com.linecorp.armeria").setLevel(Level.WARN);
        lc.getLogger("io.netty").setLevel(Level.WARN);
        // "This Gauge has been already registered": Armeria's client TLS certificate gauge, once per client factory
        lc.getLogger("io.micrometer.core.instrument.MeterRegistry").setLevel(Level.ERROR);
    }

    /**
     * {@code --warmup} seconds of load, then more in 1 s steps while the JIT compilers spent more than
     * 100 ms in the last one, up to {@code --warmup-max} seconds. Returns the seconds spent.
     */
    static int warmUp(Options o, Load load, String scenario) throws InterruptedException {
        if (o.warmup() > 0) {
            drive(load, o.concurrency(), Duration.ofSeconds(o.warmup()), o.maxRequests(), scenario);
        }
        int seconds = o.warmup();
        while (seconds < o.warmupMax()) {
            long jit = jitMillis();
            drive(load, o.concurrency(), Duration.ofSeconds(1), o.maxRequests(), scenario);
            seconds++;
            if (jitMillis() - jit < 100) {
                break;
            }
        }
        return seconds;
    }

    static long jitMillis() {
        var jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    }

    static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : 0;
    }

    static double decisions(MeterRegistry registry) {
        return registry.find("pdp_decisions_total").counters().stream().mapToDouble(Counter::count).sum();
    }

    static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
    }

    static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }

    static long print(List<Result> results, Options o) {
        System.out.println();
        System.out.println("| scenario         | pdp      |     rps | p50 ms | p99 ms | errors | requests | handshakes"
                + " | upstream | pdp decisions | cpu ms/req | jit ms | load avg |");
        System.out.println("|------------------|----------|--------:|-------:|-------:|-------:|---------:|-----------:"
                + "|---------:|--------------:|-----------:|-------:|---------:|");
        for (Result r : results) {
            System.out.printf(Locale.ROOT, "| %-16s | %-8s | %7.0f | %6.2f | %6.2f | %6d | %8d | %10d | %8d | %13d"
                            + " | %10.2f | %6d | %8.1f |%n",
                    r.scenario(), r.mode(), r.rps(), ms(r.latency(), 50), ms(r.latency(), 99), r.errors(), r.ok(),
                    r.handshakes(), r.upstreamRequests(), r.pdpDecisions(), r.cpuMsPerRequest(), r.jitMillis(),
                    r.loadAverage());
        }
        System.out.println("(rps and latency: successful requests, 200 \"ok\", in the measured window; handshakes: new"
                + " TLS connections the client made in it; upstream / pdp decisions: requests the upstream received"
                + " and decisions the PDP made meanwhile; cpu ms/req: CPU time of this JVM - load client, gateway,"
                + " upstream and PDP together - per request; jit ms: JIT compile time during the window;"
                + " load avg: the machine's, at the end of the window:"
                + " above the core count, other processes competed for the CPU)");
        System.out.println();
        for (String s : o.scenarios()) {
            Result e = find(results, s, "embedded");
            Result rem = find(results, s, "remote");
            if (e != null && rem != null) {
                System.out.printf(Locale.ROOT, "ratio %-16s embedded/remote: rps %.2fx, p99 %.2fx%n", s,
                        e.rps() / rem.rps(), ms(rem.latency(), 99) / ms(e.latency(), 99));
            }
        }
        for (Result r : results) {
            if (r.scenario().startsWith("keepalive")) {
                System.out.printf(Locale.ROOT, "%-16s %-8s keep-alive: %d TLS connection(s) carried warm-up and"
                                + " measurement (%d opened while measuring)%n", r.scenario(), r.mode(), r.pool(),
                        r.handshakes());
            }
            if (r.scenario().startsWith("handshake")) {
                System.out.printf(Locale.ROOT, "%-16s %-8s %s; connect+handshake p50 %.2f ms, p99 %.2f ms"
                                + " (of p50 %.2f ms per request); %d connections, %d full handshakes%n",
                        r.scenario(), r.mode(), r.tls(),
                        ms(r.handshake(), 50), ms(r.handshake(), 99), ms(r.latency(), 50), r.handshakes(),
                        r.fullHandshakes());
            }
        }
        long errors = 0;
        for (Result r : results) {
            errors += r.errors();
            if (!r.errorSamples().isEmpty()) {
                System.out.println("errors in " + r.scenario() + "/" + r.mode() + ": " + r.errorSamples());
            }
            if (r.upstreamRequests() != r.ok() || r.pdpDecisions() != r.ok()) {
                System.out.printf(Locale.ROOT, "note: %s/%s: %d ok, but the upstream saw %d and the PDP decided %d%n",
                        r.scenario(), r.mode(), r.ok(), r.upstreamRequests(), r.pdpDecisions());
            }
        }
        for (Result r : results) {
            if (r.scenario().startsWith("handshake") && r.fullHandshakes() != r.handshakes()) {
                System.out.printf(Locale.ROOT, "FAILED: %s/%s made %d connections but only %d full handshakes: sessions"
                        + " were resumed%n", r.scenario(), r.mode(), r.handshakes(), r.fullHandshakes());
                errors++;
            }
        }
        if (errors > 0) {
            System.out.println("FAILED: " + errors + " requests did not get 200 \"ok\"");
        }
        return errors;
    }

    private static Result find(List<Result> results, String scenario, String mode) {
        return results.stream().filter(r -> r.scenario().equals(scenario) && r.mode().equals(mode)).findFirst()
                .orElse(null);
    }
}
