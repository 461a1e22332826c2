package io.certgate.pdp.server;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per failed request: method, path, status, duration and cause; never headers (they carry
 * forwarded client certificates and credentials). A client error is INFO, a server error WARN. Written
 * off the event loop.
 */
final class RequestFailureLog implements DecoratingHttpServiceFunction {
    private static final Logger log = LoggerFactory.getLogger(RequestFailureLog.class);

    @Override
    public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
        ctx.log().whenComplete().thenAccept(l -> {
            // Most requests succeed: reading the status here spares each of them a hop to another thread.
            if (l.responseHeaders().status().code() >= 400) {
                ctx.blockingTaskExecutor().execute(() -> write(ctx, l));
            }
        });
        return delegate.serve(ctx, req);
    }

    private static void write(ServiceRequestContext ctx, RequestLog l) {
        int status = l.responseHeaders().status().code();
        Throwable cause = l.responseCause();
        String line = "{} {} -> {} in {} ms{}";
        // the path without its query: ?input= may carry anything
        Object[] args = {ctx.method(), ctx.path(), status,
                TimeUnit.NANOSECONDS.toMillis(l.totalDurationNanos()),
                cause == null ? "" : " (" + cause.getClass().getSimpleName()
                        + (cause.getMessage() == null ? "" : ": " + cause.getMessage()) + ")"};
        if (status >= 500) {
            log.warn(line, args);
        } else {
            log.info(line, args);
        }
    }
}
