package io.certgate.testdata;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.server.Server;
import io.netty.handler.ssl.ClientAuth;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * A decision log and status collector for tests: an in-process HTTPS server requiring a client
 * certificate of the test PKI. It gunzips and keeps what it accepts, and can be told to fail every
 * request or to never answer.
 */
public final class TestCollector implements AutoCloseable {
    /** How the collector answers. */
    public enum Mode { ACCEPT, FAIL, HANG }

    /** One request: its path, headers, the client certificate's subject and its JSON body. */
    public record Received(String path, RequestHeaders headers, @Nullable String peer, JsonNode body) {}

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private final ObjectMapper json = new ObjectMapper();
    private final Server server;
    private final List<Received> accepted = new ArrayList<>();
    private volatile Mode mode = Mode.ACCEPT;
    private int unanswered;
    private final List<CompletableFuture<HttpResponse>> hanging = new ArrayList<>();

    private TestCollector(TestPki pki) {
        this.server = Server.builder()
                .https(0)
                .tls(TlsKeyPair.of(pki.server().privateKey(), pki.server().chain()))
                .tlsCustomizer(b -> b.clientAuth(ClientAuth.REQUIRE).trustManager(pki.rootCa().certificate()))
                .requestTimeoutMillis(0)
                .service("prefix:/", (ctx, req) -> {
                    String peer = peer(ctx.sslSession());
                    return HttpResponse.of(req.aggregate().thenApply(agg -> {
                        Mode m = mode;
                        if (m == Mode.HANG) {
                            CompletableFuture<HttpResponse> never = new CompletableFuture<>();
                            synchronized (this) {
                                unanswered++;
                                hanging.add(never);
                                notifyAll();
                            }
                            return HttpResponse.of(never);
                        }
                        if (m == Mode.FAIL) {
                            return HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE);
                        }
                        JsonNode body = parse(agg.content().array(),
                                "gzip".equals(agg.headers().get("content-encoding")));
                        synchronized (this) {
                            accepted.add(new Received(req.path(), req.headers(), peer, body));
                            notifyAll();
                        }
                        return HttpResponse.of(HttpStatus.NO_CONTENT);
                    }));
                })
                .build();
        server.start().join();
    }

    public static TestCollector start(TestPki pki) {
        return new TestCollector(pki);
    }

    public String url() {
        return "https://localhost:" + server.activeLocalPort();
    }

    /** Switches the mode; requests left hanging are answered 503 (the collector restarted). */
    public void mode(Mode m) {
        mode = m;
        List<CompletableFuture<HttpResponse>> release;
        synchronized (this) {
            release = m == Mode.HANG ? List.of() : List.copyOf(hanging);
            if (m != Mode.HANG) {
                hanging.clear();
            }
        }
        release.forEach(f -> f.complete(HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE)));
    }

    /** Requests accepted so far. */
    public synchronized List<Received> accepted() {
        return List.copyOf(accepted);
    }

    /** Decision events accepted so far (every batch to {@code path}, flattened), in arrival order. */
    public synchronized List<JsonNode> events(String path) {
        List<JsonNode> out = new ArrayList<>();
        for (Received r : accepted) {
            if (r.path().equals(path)) {
                r.body().forEach(out::add);
            }
        }
        return out;
    }

    /** Requests left hanging in {@link Mode#HANG}. */
    public synchronized int unanswered() {
        return unanswered;
    }

    /** Waits until {@code condition} holds for the collector, re-checked whenever a request arrives. */
    public synchronized void await(Predicate<TestCollector> condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.test(this)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("the collector never saw " + what + "; accepted " + accepted.size()
                        + " requests, left " + unanswered + " unanswered");
            }
            // notifyAll on every request wakes this; the bound only ends a hopeless wait
            wait(Math.max(1, left / 1_000_000));
        }
    }

    private JsonNode parse(byte[] body, boolean gzipped) {
        try {
            return gzipped ? json.readTree(new GZIPInputStream(new ByteArrayInputStream(body))) : json.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Nullable
    private static String peer(@Nullable javax.net.ssl.SSLSession session) {
        try {
            return session == null ? null
                    : ((X509Certificate) session.getPeerCertificates()[0]).getSubjectX500Principal().getName();
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    @Override
    public void close() {
        server.stop().join();
    }
}
