package io.certgate.pdp.pip;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.Server;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real in-process Armeria HTTP server for a provider, whose answers a test can break: slow (past any
 * provider deadline), garbage, an error status, or stopped altogether (and restarted on the same port).
 */
final class ChaosHttpServer implements AutoCloseable {
    enum Mode { NORMAL, SLOW, GARBAGE, ERROR }

    static final Duration SLOW = Duration.ofSeconds(2);

    private final HttpService handler;
    private final int port;
    private final AtomicInteger requests = new AtomicInteger();
    private volatile Mode mode = Mode.NORMAL;
    private Server server;

    ChaosHttpServer(HttpService handler) throws Exception {
        this.handler = handler;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        start();
    }

    void start() {
        server = Server.builder()
                .http(port)
                .gracefulShutdownTimeoutMillis(0, 0)
                .requestTimeout(Duration.ofSeconds(30))
                .service("prefix:/", (ctx, req) -> {
                    requests.incrementAndGet();
                    return switch (mode) {
                        case NORMAL -> handler.serve(ctx, req);
                        case SLOW -> HttpResponse.delayed(handler.serve(ctx, req), SLOW);
                        case GARBAGE -> HttpResponse.of(HttpStatus.OK, MediaType.JSON, "{\"truncated\": [1, 2");
                        case ERROR -> HttpResponse.of(HttpStatus.INTERNAL_SERVER_ERROR);
                    };
                })
                .build();
        server.start().join();
    }

    void stop() {
        server.stop().join();
    }

    void mode(Mode m) {
        mode = m;
    }

    int requests() {
        return requests.get();
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    @Override
    public void close() {
        server.stop().join();
    }
}
