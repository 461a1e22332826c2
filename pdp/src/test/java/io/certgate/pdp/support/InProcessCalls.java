package io.certgate.pdp.support;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;

/** Calls an HTTP service in process as the server would (a real request and context), without a socket. */
public final class InProcessCalls {
    private InProcessCalls() {}

    /**
     * The service's complete response.
     *
     * @throws java.util.concurrent.CompletionException when the service fails instead of answering (the server
     *     would answer 500)
     */
    public static AggregatedHttpResponse serve(HttpService service, HttpRequest request) throws Exception {
        return service.serve(ServiceRequestContext.of(request), request).aggregate().join();
    }
}
