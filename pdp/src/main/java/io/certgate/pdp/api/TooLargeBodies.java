package io.certgate.pdp.api;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.util.Exceptions;
import com.linecorp.armeria.server.HttpStatusException;
import com.linecorp.armeria.server.ServiceErrorHandler;
import java.util.function.Function;

/**
 * The server's own 413 (a body over {@code server.max_request_bytes}, refused before any service
 * runs) answered in each protocol's error shape; other failures keep Armeria's default handling.
 */
public final class TooLargeBodies {
    public static final String MESSAGE = "the request body is larger than server.max_request_bytes";

    private TooLargeBodies() {}

    /** A route's error handler: {@code reply} renders the 413 from the request's headers. */
    public static ServiceErrorHandler handler(Function<RequestHeaders, AggregatedHttpResponse> reply) {
        return (ctx, cause) -> tooLarge(cause) ? reply.apply(ctx.request().headers()).toHttpResponse() : null;
    }

    private static boolean tooLarge(Throwable cause) {
        Throwable c = Exceptions.peel(cause);
        return c instanceof ContentTooLargeException
                || (c instanceof HttpStatusException e && e.httpStatus() == HttpStatus.REQUEST_ENTITY_TOO_LARGE);
    }
}
