package io.certgate.pep.support;

import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.server.Server;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * An Armeria decorator in front of a real PDP: forwards every request (gRPC over h2c included) and, while a
 * delay is set, holds all but {@code /health} for that long first: a PDP that is up and healthy but slow.
 */
public final class DelayingProxy implements AutoCloseable {
    private final Server server;
    private volatile Duration delay = Duration.ZERO;

    public DelayingProxy(int targetPort) {
        WebClient target = WebClient.builder(SessionProtocol.H2C, Endpoint.of("127.0.0.1", targetPort))
                .responseTimeout(Duration.ofSeconds(30)).maxResponseLength(0).build();
        this.server = Server.builder().http(0).requestTimeout(Duration.ofSeconds(30))
                .serviceUnder("/", (ctx, req) -> {
                    Duration d = delay;
                    if (d.isZero() || "/health".equals(ctx.path())) {
                        return target.execute(req);
                    }
                    CompletableFuture<HttpResponse> later = new CompletableFuture<>();
                    req.aggregate().thenAccept(whole -> ctx.eventLoop().schedule(
                            () -> later.complete(target.execute(whole.toHttpRequest())), d.toMillis(),
                            TimeUnit.MILLISECONDS));
                    return HttpResponse.of(later);
                })
                .build();
        server.start().join();
    }

    public int port() {
        return server.activePort().localAddress().getPort();
    }

    /** Holds every decision request this long from now on; zero forwards at once. */
    public void delay(Duration d) {
        this.delay = d;
    }

    @Override
    public void close() {
        server.stop().join();
    }
}
