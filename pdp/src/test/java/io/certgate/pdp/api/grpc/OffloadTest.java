package io.certgate.pdp.api.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.util.SafeCloseable;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A unary call leaves the event loop in one hop, and a failure inside it still closes the call. */
class OffloadTest {
    private final ServiceRequestContext ctx = ServiceRequestContext.of(HttpRequest.of(HttpMethod.POST, "/x"));

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
    void runsOnTheBlockingExecutorWithTheRequestContext() throws Exception {
        CompletableFuture<Thread> ran = new CompletableFuture<>();
        CompletableFuture<ServiceRequestContext> current = new CompletableFuture<>();
        try (SafeCloseable ignored = ctx.push()) {
            Offload.run(new Closed(), () -> {
                current.complete(ServiceRequestContext.currentOrNull());
                ran.complete(Thread.currentThread());
            });
        }
        assertThat(ran.get(30, TimeUnit.SECONDS)).isNotSameAs(Thread.currentThread());
        assertThat(ran.get().getName()).contains("blocking-tasks");
        assertThat(current.get()).isSameAs(ctx);
    }

    @Test
    void anUnexpectedFailureClosesTheCallAsInternal() throws Exception {
        Closed observer = new Closed();
        try (SafeCloseable ignored = ctx.push()) {
            Offload.run(observer, () -> {
                throw new IllegalStateException("boom");
            });
        }
        Status status = Status.fromThrowable(observer.error.get(30, TimeUnit.SECONDS));
        assertThat(status.getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(status.getDescription()).contains("the PDP failed to decide", "boom");
    }
}
