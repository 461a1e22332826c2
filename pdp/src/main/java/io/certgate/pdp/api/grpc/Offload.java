package io.certgate.pdp.api.grpc;

import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.RejectedExecutionException;

/**
 * Moves a unary call from the event loop to the blocking task executor in one hop. Deciding may block
 * (waiting for a free evaluator, attribute lookups) and the evaluation watchdog interrupts the deciding
 * thread, so it never runs on an event loop. The service's {@code useBlockingTaskExecutor(true)} would
 * instead hand every listener callback (start, message, half-close, ready, complete) over separately;
 * the responses go back to the event loop once, through Armeria's server call.
 */
public final class Offload {
    private Offload() {}

    /** Runs {@code call} on the current request's blocking task executor; a failure closes the call. */
    public static void run(StreamObserver<?> observer, Runnable call) {
        ServiceRequestContext ctx = ServiceRequestContext.current();
        try {
            ctx.blockingTaskExecutor().execute(() -> {
                try {
                    call.run();
                } catch (RuntimeException e) {
                    observer.onError(Status.INTERNAL.withDescription("the PDP failed to decide: " + e)
                            .withCause(e).asException());
                }
            });
        } catch (RejectedExecutionException e) {
            observer.onError(Status.UNAVAILABLE.withDescription("the PDP is shutting down").withCause(e)
                    .asException());
        }
    }
}
