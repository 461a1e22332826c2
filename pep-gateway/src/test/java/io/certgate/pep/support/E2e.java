package io.certgate.pep.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.input.PresentedCertificate;
import io.certgate.pep.GatewayServer;
import io.certgate.pep.config.GatewayConfig;
import io.certgate.pep.pdp.DecisionClient;
import io.certgate.pep.pdp.EmbeddedDecisionClient;
import io.certgate.testdata.TestCert;
import io.certgate.testdata.TestPki;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * End-to-end fixture on top of {@link GatewayHarness}: several gateways with many services each (every
 * {@code *.example.test} name is served by one wildcard server certificate), real TLS clients (Armeria,
 * the JDK's {@link SSLSocket}, {@code curl}, {@code openssl s_client}) and PEM files for custom certificates.
 */
public final class E2e implements AutoCloseable {
    public static final String API = GatewayHarness.API;
    public static final String OTHER = GatewayHarness.OTHER;
    public static final ObjectMapper JSON = new ObjectMapper();

    public final GatewayHarness h;
    public final TestPki pki;
    public final Path dir;
    public final RecordingUpstream upstream;
    private final List<GatewayServer> gateways = new ArrayList<>();
    private final java.util.Map<Integer, PrometheusMeterRegistry> registries = new java.util.concurrent.ConcurrentHashMap<>();
    private final List<ClientFactory> factories = Collections.synchronizedList(new ArrayList<>());
    private final List<AutoCloseable> extra = Collections.synchronizedList(new ArrayList<>());

    public E2e(Path dir) throws Exception {
        this.h = new GatewayHarness(dir);
        this.pki = h.pki;
        this.dir = dir;
        this.upstream = h.upstream;
        write(pki.certificate("wild-server").cn("*.example.test").dns("*.example.test").serverAuth()
                .issuedBy(pki.rootCa()).validity(Duration.ofDays(-1), Duration.ofDays(30)).build());
    }

    // ------------------------------------------------------------------ files

    /** Writes {@code NAME.pem} (leaf), {@code NAME-chain.pem} (what a TLS peer sends) and {@code NAME.key}. */
    public TestCert write(TestCert c) throws IOException {
        Files.writeString(dir.resolve(c.name() + ".pem"), c.pem());
        Files.writeString(dir.resolve(c.name() + "-chain.pem"), c.chainPem());
        Files.writeString(dir.resolve(c.name() + ".key"), c.keyPem());
        return c;
    }

    /** The chain file a client presents ({@code NAME-chain.pem}, or {@code NAME.pem} when self-signed). */
    public String chainFile(TestCert c) {
        Path chain = dir.resolve(c.name() + "-chain.pem");
        return (Files.exists(chain) ? chain : dir.resolve(c.name() + ".pem")).toString();
    }

    public String keyFile(TestCert c) {
        return dir.resolve(c.name() + ".key").toString();
    }

    public String file(String name) {
        return dir.resolve(name).toString();
    }

    // ------------------------------------------------------------------ gateway.yaml

    /**
     * The end-to-end test policy ({@code policies/e2e}): the gateway test policy plus {@code /echo} (allows any
     * presented certificate and echoes what the PDP saw) and {@code /quote} (a deny needing JSON escaping).
     */
    public static Path e2ePolicies() {
        try {
            return Path.of(E2e.class.getResource("/policies/e2e").toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code pdp:} value for the embedded PDP with the end-to-end test policy. */
    public static String embeddedPdp() {
        // A generous evaluation deadline: a cold JVM on a loaded 2-core machine can take longer than the
        // 100 ms default for a first evaluation, and no e2e test is about that deadline.
        return "{mode: embedded, policies: " + e2ePolicies() + ", entrypoint: gw/authz/decision, "
                + "evaluation_timeout_ms: 5000}";
    }

    /** A whole gateway.yaml: {@code extra} is more top-level YAML (e.g. {@code audit: ...}) or "". */
    public static String gateway(String pdp, String extra, String... services) {
        StringBuilder y = new StringBuilder("listen: {port: 0}\nadmin: {port: 0}\npdp: ").append(pdp).append('\n');
        if (!extra.isBlank()) {
            y.append(extra).append('\n');
        }
        y.append("services:\n");
        for (String s : services) {
            y.append(s);
        }
        return y.toString();
    }

    /**
     * One service on host {@code sni} (a {@code *.example.test} name) proxying to the recording upstream. The
     * e2e test policy reports what it saw in {@code x-pdp-*} obligation headers, which the services allow.
     */
    public String service(String name, String sni, String mtls, String policy) {
        return service(name, sni, mtls, "{url: \"" + upstream.url() + "\"}", policy);
    }

    public static String service(String name, String sni, String mtls, String upstreamYaml, String policy) {
        return service(name, sni, mtls, upstreamYaml, policy,
                "{headers: {obligations: [x-authenticated-*, x-client-id, x-profile-id, x-roles, x-pdp-*]}}");
    }

    /** A service with its own {@code request:} section (the trust boundary's settings). */
    public static String service(String name, String sni, String mtls, String upstreamYaml, String policy,
            String request) {
        return """
                  - name: %s
                    sni: [%s]
                    server_cert: wild-server-chain.pem
                    server_key: wild-server.key
                    mtls: %s
                    upstream: %s
                    policy: %s
                    request: %s
                """.formatted(name, sni, mtls, upstreamYaml, policy, request);
    }

    /** The metrics of the gateway listening on {@code port}. */
    public PrometheusMeterRegistry registry(int port) {
        return registries.get(port);
    }

    /** Waits until every gateway started here has written the access-log lines it queued. */
    public void flushAccessLogs() {
        for (GatewayServer g : List.copyOf(gateways)) {
            try {
                g.accessLog().flush();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the access log was written", ex);
            }
        }
    }

    public GatewayServer start(String yaml) throws Exception {
        GatewayConfig cfg = GatewayConfig.parse(yaml, "gateway.yaml", dir);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        GatewayServer g = new GatewayServer(cfg, registry, Clock.systemUTC()).start();
        gateways.add(g);
        registries.put(g.port(), registry);
        if (g.pdp() instanceof EmbeddedDecisionClient) {
            warmUp(g.pdp(), pki.partnerClient());
        }
        return g;
    }

    /**
     * Throw-away decisions with and without a certificate: the first evaluations of a freshly loaded WASM
     * policy (and of the certificate enrichment) can exceed the PDP's 100 ms per-evaluation deadline on a
     * busy machine, which the gateway (rightly) turns into a 500 deny.
     */
    public static void warmUp(DecisionClient pdp, TestCert cert) {
        List<String> paths = List.of("/public", "/mfa", "/echo", "/x");
        for (int i = 0; i < 12; i++) {
            ObjectNode input = JSON.createObjectNode();
            input.putObject("request").put("method", "GET").put("path", paths.get(i % paths.size()));
            input.putObject("connection").put("sni", "warm.example.test");
            PresentedCertificate pc = null;
            if (i % 3 == 0) {
                input.putObject("certificate").put("present", false);
            } else {
                pc = new PresentedCertificate(cert.chainDer(), i % 3 == 1, i % 3 == 1 ? 0 : 10,
                        i % 3 == 1 ? null : "certificate has expired");
            }
            try {
                pdp.decide(input, pc).get(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // only warming up
            }
        }
    }

    // ------------------------------------------------------------------ Armeria client

    /** An HTTPS (HTTP/2 via ALPN) client to {@code port} with the given SNI, presenting {@code cert} (null = none). */
    public WebClient client(int port, String sni, @Nullable TestCert cert) {
        return client(port, sni, cert, SessionProtocol.HTTPS);
    }

    public WebClient client(int port, String sni, @Nullable TestCert cert, SessionProtocol protocol) {
        return client(port, sni, cert == null ? null : cert.privateKey(), cert == null ? null : cert.chain(), protocol);
    }

    /** A client presenting an arbitrary chain (e.g. an overlong one) with the leaf's key. */
    public WebClient client(int port, String sni, @Nullable java.security.PrivateKey key,
            @Nullable List<X509Certificate> chain, SessionProtocol protocol) {
        var b = ClientFactory.builder().tlsCustomizer(t -> t.trustManager(pki.rootCa().certificate()));
        if (key != null) {
            b.tls(TlsKeyPair.of(key, chain));
        }
        ClientFactory f = b.build();
        factories.add(f);
        return WebClient.builder(protocol, Endpoint.of(sni, port).withIpAddr("127.0.0.1"))
                .factory(f).responseTimeout(Duration.ofSeconds(20)).build();
    }

    /** A GET with extra headers given as name, value, name, value, … */
    public static Resp get(WebClient c, String path, String... headers) {
        RequestHeadersBuilder b = RequestHeaders.builder(HttpMethod.GET, path);
        for (int i = 0; i < headers.length; i += 2) {
            b.add(headers[i], headers[i + 1]);
        }
        return Resp.of(c.execute(b.build()).aggregate().join());
    }

    public static Resp execute(WebClient c, RequestHeaders headers) {
        return Resp.of(c.execute(headers).aggregate().join());
    }

    /** A response with its parsed JSON body (null when the body is not JSON). */
    public record Resp(int status, Map<String, List<String>> headers, String body) {
        static Resp of(AggregatedHttpResponse r) {
            Map<String, List<String>> h = new LinkedHashMap<>();
            r.headers().forEach((k, v) -> h.computeIfAbsent(k.toString().toLowerCase(Locale.ROOT),
                    x -> new ArrayList<>()).add(v));
            return new Resp(r.status().code(), h, r.contentUtf8());
        }

        @Nullable
        public String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        /** The JSON body; fails when the body is not JSON. */
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not a JSON body (" + status + "): " + body, e);
            }
        }

        public String field(String name) {
            JsonNode n = json().get(name);
            return n == null ? null : n.asText();
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    // ------------------------------------------------------------------ JDK SSLSocket

    /** A TLS socket (JDK provider) with SNI {@code sni} (null = none), presenting {@code cert} (null = none). */
    public SSLSocket tlsSocket(int port, @Nullable String sni, @Nullable TestCert cert) throws Exception {
        return tlsSocket(port, sni, cert, (String[]) null);
    }

    /** Like {@link #tlsSocket(int, String, TestCert)}, limited to the given protocols (e.g. "TLSv1.2"). */
    public SSLSocket tlsSocket(int port, @Nullable String sni, @Nullable TestCert cert, @Nullable String... protocols)
            throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("root", pki.rootCa().certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (cert != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("client", cert.privateKey(), new char[0], cert.chain().toArray(Certificate[]::new));
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, new char[0]);
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(10_000);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
        if (sni != null) {
            p.setEndpointIdentificationAlgorithm("HTTPS");
        }
        if (protocols != null) {
            p.setProtocols(protocols);
        }
        s.setSSLParameters(p);
        s.startHandshake();
        return s;
    }

    /** Writes {@code bytes} and reads until the peer closes or {@code timeout} passes; returns what was read. */
    public static String exchange(Socket s, byte[] bytes, Duration timeout) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(bytes);
        out.flush();
        return readAll(s, timeout);
    }

    /** Reads until EOF, a reset or {@code timeout}; never throws on those. */
    public static String readAll(Socket s, Duration timeout) throws IOException {
        s.setSoTimeout((int) timeout.toMillis());
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                got.write(buf, 0, n);
            }
        } catch (java.net.SocketTimeoutException e) {
            got.write("<timeout>".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            // reset / TLS alert: the server dropped the connection
        }
        return got.toString(StandardCharsets.ISO_8859_1);
    }

    // ------------------------------------------------------------------ processes

    /** Output of a process. */
    public record Proc(int exit, String stdout, String stderr) {}

    public static Proc run(@Nullable String stdin, List<String> cmd) {
        return run(stdin, 0, cmd);
    }

    /** Runs {@code cmd}, writes {@code stdin} and keeps stdin open for {@code holdMillis} before closing it. */
    public static Proc run(@Nullable String stdin, long holdMillis, List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).start();
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
                p.getOutputStream().flush();
            }
            if (holdMillis > 0) {
                Thread.sleep(holdMillis);
            }
            p.getOutputStream().close();
            var out = new ByteArrayOutputStream();
            var err = new ByteArrayOutputStream();
            Thread t1 = new Thread(() -> copy(p.getInputStream(), out));
            Thread t2 = new Thread(() -> copy(p.getErrorStream(), err));
            t1.start();
            t2.start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + cmd);
            }
            t1.join();
            t2.join();
            return new Proc(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        byte[] buf = new byte[4096];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                synchronized (out) {
                    out.write(buf, 0, n);
                }
            }
        } catch (IOException e) {
            // process gone
        }
    }

    /** The response of one curl call. */
    public record CurlResult(int exit, int status, Map<String, List<String>> headers, String body, String stderr) {
        @Nullable
        public String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not a JSON body (" + status + "): " + body, e);
            }
        }

        /** The HTTP response; fails when curl itself failed. */
        public Resp resp() {
            if (exit != 0) {
                throw new AssertionError("curl failed: " + this);
            }
            return new Resp(status, headers, body);
        }

        @Override
        public String toString() {
            return "curl exit " + exit + ", " + status + " " + body + (exit != 0 ? " / " + stderr : "");
        }
    }

    /**
     * {@code curl} against {@code https://HOST:port/path} resolved to 127.0.0.1, trusting ca.pem, presenting
     * {@code cert} (null = none); {@code extra} are more curl arguments (before the URL).
     */
    public CurlResult curl(int port, String host, String path, @Nullable TestCert cert, String... extra) {
        List<String> cmd = new ArrayList<>(List.of("--resolve", host + ":" + port + ":127.0.0.1",
                "--cacert", file("ca.pem")));
        if (cert != null) {
            cmd.addAll(List.of("--cert", chainFile(cert), "--key", keyFile(cert)));
        }
        cmd.addAll(List.of(extra));
        cmd.add("https://" + host + ":" + port + path);
        return curl(cmd);
    }

    /** {@code curl -sS} with the given arguments (URL included), capturing status, headers and body. */
    public CurlResult curl(List<String> args) {
        try {
            Path headers = Files.createTempFile(dir, "curl", ".headers");
            Path body = Files.createTempFile(dir, "curl", ".body");
            List<String> cmd = new ArrayList<>(List.of("/usr/bin/curl", "-sS", "--max-time", "15",
                    "-D", headers.toString(), "-o", body.toString(), "-w", "%{http_code}"));
            cmd.addAll(args);
            Proc p = run(null, cmd);
            Map<String, List<String>> h = new LinkedHashMap<>();
            for (String line : Files.readAllLines(headers, StandardCharsets.ISO_8859_1)) {
                int colon = line.indexOf(':');
                if (colon > 0 && !line.startsWith("HTTP/")) {
                    h.computeIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), x -> new ArrayList<>())
                            .add(line.substring(colon + 1).trim());
                }
            }
            int status = p.stdout().isBlank() ? 0 : Integer.parseInt(p.stdout().trim());
            String b = Files.readString(body, StandardCharsets.UTF_8);
            Files.deleteIfExists(headers);
            Files.deleteIfExists(body);
            return new CurlResult(p.exit(), status, h, b, p.stderr());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * {@code openssl s_client} to 127.0.0.1:port with the given extra arguments; {@code stdin} is sent after
     * connecting and stdin stays open until an HTTP response has arrived (or {@code maxMillis} passed), so
     * the response and, in TLS 1.3, the session tickets are read before s_client closes the connection.
     */
    public static Proc sClient(int port, String stdin, long maxMillis, String... args) {
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).start();
            var out = new ByteArrayOutputStream();
            var err = new ByteArrayOutputStream();
            Thread t1 = new Thread(() -> copy(p.getInputStream(), out));
            Thread t2 = new Thread(() -> copy(p.getErrorStream(), err));
            t1.start();
            t2.start();
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().flush();
            long deadline = System.nanoTime() + maxMillis * 1_000_000;
            while (System.nanoTime() < deadline && p.isAlive()) {
                String sofar;
                synchronized (out) {
                    sofar = out.toString(StandardCharsets.ISO_8859_1);
                }
                int http = sofar.indexOf("HTTP/1.1 ");
                if (http >= 0 && sofar.indexOf("\r\n\r\n", http) > 0) {
                    Thread.sleep(150); // the body
                    break;
                }
                Thread.sleep(20);
            }
            try {
                p.getOutputStream().close();
            } catch (IOException e) {
                // s_client already gone
            }
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + cmd);
            }
            t1.join();
            t2.join();
            return new Proc(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** s_client arguments presenting {@code cert} with its chain. */
    public List<String> sClientCert(TestCert cert) {
        return List.of("-cert", dir.resolve(cert.name() + ".pem").toString(), "-cert_chain", chainFile(cert),
                "-key", keyFile(cert));
    }

    // ------------------------------------------------------------------ raw HTTP/1.1

    /**
     * Sends {@code request} (raw HTTP/1.1 bytes, ISO-8859-1) over a JDK TLS socket and reads one response
     * (status line, headers, Content-Length body) without waiting for the connection to close.
     */
    public Resp http1(int port, @Nullable String sni, @Nullable TestCert cert, String request) throws Exception {
        try (SSLSocket s = tlsSocket(port, sni, cert)) {
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            return readResponse(s.getInputStream());
        }
    }

    /** Reads one HTTP/1.1 response with a Content-Length body (or none). */
    public static Resp readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after " + head.size() + " bytes: "
                        + head.toString(StandardCharsets.ISO_8859_1));
            }
            head.write(b);
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1
                    : b == '\r' ? 1 : 0;
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        int length = 0;
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = lines[i].substring(colon + 1).trim();
                headers.computeIfAbsent(name, x -> new ArrayList<>()).add(value);
                if (name.equals("content-length")) {
                    length = Integer.parseInt(value);
                }
            }
        }
        byte[] body = in.readNBytes(length);
        return new Resp(status, headers, new String(body, StandardCharsets.UTF_8));
    }

    /** Also stop {@code c} when this fixture closes (in the background, with the gateways). */
    public <T extends AutoCloseable> T closeLater(T c) {
        extra.add(c);
        return c;
    }

    /**
     * Stops clients, gateways, the upstream and everything registered with {@link #closeLater} in the
     * background, all at once: an Armeria server takes about two seconds to shut down gracefully and
     * nothing of it is reused (every port is ephemeral), so the next test class need not wait.
     */
    @Override
    public void close() {
        List<AutoCloseable> all = new ArrayList<>(factories);
        all.addAll(gateways);
        all.addAll(extra);
        all.add(h);
        for (AutoCloseable c : all) {
            Thread t = new Thread(() -> {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // already stopped
                }
            }, "e2e-close");
            t.setDaemon(true);
            t.start();
        }
    }
}
