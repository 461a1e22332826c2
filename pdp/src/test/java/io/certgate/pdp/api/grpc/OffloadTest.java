package io.certgate.pdp.api.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.util.SafeCloseable;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A unary call leaves the event loop in one hop to a deciding thread, the most recently idle one first, and a
 * failure inside it, or no thread to take it, still closes the call.
 */
class OffloadTest {
    private final ServiceRequestContext ctx = ServiceRequestContext.of(HttpRequest.of(HttpMethod.POST, "/x"));
    private final Offload offload = new Offload("test-decide", 4);

    @AfterEach
    void close() {
        offload.close();
    }

    /** Completes with the error the call was closed with. */
    private static final class Closed implements StreamObserver<Object> {
        final CompletableFuture<Throwable> error = new CompletableFuture<>();

        @Override
        public void onNext(Object value) {}

        @Override
        public void onError(Throwable t) {
            error.complete(t);
        }

        @Override
        public void onCompleted() {
            error.complete(null);
        }
    }

    @Test
    void runsOnADecidingThreadWithTheRequestContext() throws Exception {
        CompletableFuture<Thread> ran = new CompletableFuture<>();
        CompletableFuture<ServiceRequestContext> current = new CompletableFuture<>();
        try (SafeCloseable ignored = ctx.push()) {
            offload.run(new Closed(), () -> {
                current.complete(ServiceRequestContext.currentOrNull());
                ran.complete(Thread.currentThread());
            });
        }
        assertThat(ran.get(30, TimeUnit.SECONDS)).isNotSameAs(Thread.currentThread());
        assertThat(ran.get().getName()).isEqualTo("test-decide-1");
        assertThat(ran.get().isDaemon()).isTrue();
        assertThat(current.get()).isSameAs(ctx);
    }

    @Test
    void oneCallAtATimeStaysOnOneThread() throws Exception {
        Set<Thread> used = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            Thread t = runOne();
            used.add(t);
            awaitIdle(t);
        }
        assertThat(used).hasSize(1);
    }

    @Test
    void theMostRecentlyIdleThreadTakesTheNextCall() throws Exception {
        CountDownLatch releaseFirst = new CountDownLatch(1);
        CountDownLatch releaseSecond = new CountDownLatch(1);
        CompletableFuture<Void> firstDone = new CompletableFuture<>();
        CompletableFuture<Void> secondDone = new CompletableFuture<>();
        Thread a = blocked(releaseFirst, firstDone).get(30, TimeUnit.SECONDS);
        Thread b = blocked(releaseSecond, secondDone).get(30, TimeUnit.SECONDS);
        assertThat(a).isNotSameAs(b);
        releaseFirst.countDown();
        firstDone.get(30, TimeUnit.SECONDS);
        awaitIdle(a);
        releaseSecond.countDown();
        secondDone.get(30, TimeUnit.SECONDS);
        awaitIdle(b);
        assertThat(runOne()).isSameAs(b);
    }

    @Test
    void aCallBeyondTheBusyThreadsFailsAsUnavailable() throws Exception {
        try (Offload one = new Offload("one-decide", 1)) {
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<Thread> busy = new CompletableFuture<>();
            Closed observer = new Closed();
            try (SafeCloseable ignored = ctx.push()) {
                one.run(new Closed(), () -> {
                    busy.complete(Thread.currentThread());
                    awaitUninterruptibly(release);
                });
                busy.get(30, TimeUnit.SECONDS);
                one.run(observer, () -> {});
            } finally {
                release.countDown();
            }
            Status status = Status.fromThrowable(observer.error.get(30, TimeUnit.SECONDS));
            assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(status.getDescription()).isEqualTo("the PDP is overloaded: all 1 deciding threads are busy");
        }
    }

    @Test
    void aCallAfterCloseFailsAsShuttingDown() throws Exception {
        offload.close();
        Closed observer = new Closed();
        try (SafeCloseable ignored = ctx.push()) {
            offload.run(observer, () -> {});
        }
        Status status = Status.fromThrowable(observer.error.get(30, TimeUnit.SECONDS));
        assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(status.getDescription()).isEqualTo("the PDP is shutting down");
    }

    private Thread runOne() throws Exception {
        CompletableFuture<Thread> ran = new CompletableFuture<>();
        try (SafeCloseable ignored = ctx.push()) {
            offload.run(new Closed(), () -> ran.complete(Thread.currentThread()));
        }
        return ran.get(30, TimeUnit.SECONDS);
    }

    /** A call that holds its thread until {@code release}, then completes {@code done} as its last step. */
    private CompletableFuture<Thread> blocked(CountDownLatch release, CompletableFuture<Void> done) {
        CompletableFuture<Thread> started = new CompletableFuture<>();
        try (SafeCloseable ignored = ctx.push()) {
            offload.run(new Closed(), () -> {
                started.complete(Thread.currentThread());
                awaitUninterruptibly(release);
                done.complete(null);
            });
        }
        return started;
    }

    /** Until {@code t}, whose call has returned, waits for its next call (parked in the executor's queue). */
    private static void awaitIdle(Thread t) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (t.getState() != Thread.State.TIMED_WAITING && t.getState() != Thread.State.WAITING) {
            assertThat(System.nanoTime()).as("%s still busy", t.getName()).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void anUnexpectedFailureClosesTheCallAsInternal() throws Exception {
        Closed observer = new Closed();
        try (SafeCloseable ignored = ctx.push()) {
            offload.run(observer, () -> {
                throw new IllegalStateException("boom");
            });
        }
        Status status = Status.fromThrowable(observer.error.get(30, TimeUnit.SECONDS));
        assertThat(status.getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(status.getDescription()).contains("the PDP failed to decide", "boom");
    }
}
