package io.certgate.pdp.api.grpc;

import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Moves a unary call from the event loop to the PDP's deciding threads in one hop. Deciding may block
 * (waiting for a free evaluator, attribute lookups) and the evaluation watchdog interrupts the deciding
 * thread, so it never runs on an event loop. The service's {@code useBlockingTaskExecutor(true)} would
 * instead hand every listener callback (start, message, half-close, ready, complete) over separately;
 * the responses go back to the event loop once, through Armeria's server call.
 *
 * <p>The threads are the PDP's own rather than Armeria's blocking task executor: that one starts a new
 * thread per task until it has 200 and then wakes its idle threads in turn, so consecutive calls run on
 * cold threads (cache misses in input conversion and evaluation). Here the most recently idle thread takes
 * the next call, so a steady load stays on as few threads as it needs; a burst still gets up to
 * {@code maxThreads}, each waiting for an evaluator at most the acquire timeout, as before.
 */
public final class Offload implements AutoCloseable {
    /** As many calls deciding at once as Armeria's blocking task executor allowed. */
    public static final int DEFAULT_MAX_THREADS = 200;
    private static final long IDLE_SECONDS = 60;

    private final ThreadPoolExecutor threads;

    /** Up to {@code maxThreads} daemon threads named {@code threadName-N}; an idle one ends after 60 s. */
    public Offload(String threadName, int maxThreads) {
        if (maxThreads < 1) {
            throw new IllegalArgumentException("maxThreads must be >= 1, got " + maxThreads);
        }
        AtomicInteger count = new AtomicInteger();
        // No core threads and a hand-off queue: a call starts at once on an idle thread (the non-fair
        // SynchronousQueue hands it to the most recently idle) or a new one, never waits in a queue.
        this.threads = new ThreadPoolExecutor(0, maxThreads, IDLE_SECONDS, TimeUnit.SECONDS,
                new SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, threadName + "-" + count.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    /** Runs {@code call} on a deciding thread with the current request context; a failure closes the call. */
    public void run(StreamObserver<?> observer, Runnable call) {
        ServiceRequestContext ctx = ServiceRequestContext.current();
        try {
            threads.execute(ctx.makeContextAware(() -> {
                try {
                    call.run();
                } catch (RuntimeException e) {
                    observer.onError(Status.INTERNAL.withDescription("the PDP failed to decide: " + e)
                            .withCause(e).asException());
                }
            }));
        } catch (RejectedExecutionException e) {
            observer.onError(Status.UNAVAILABLE.withDescription(threads.isShutdown() ? "the PDP is shutting down"
                    : "the PDP is overloaded: all " + threads.getMaximumPoolSize() + " deciding threads are busy")
                    .withCause(e).asException());
        }
    }

    /** Stops taking calls; those already deciding finish. */
    @Override
    public void close() {
        threads.shutdown();
    }
}
