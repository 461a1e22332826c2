package io.certgate.pep.pdp;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.ResponseTimeoutMode;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.api.grpc.v1.DecideRequest;
import io.certgate.pdp.api.grpc.v1.DecideResponse;
import io.certgate.pdp.api.grpc.v1.DecisionServiceGrpc.DecisionServiceFutureStub;
import io.certgate.pdp.decision.Decision;
import io.certgate.pep.config.PdpFleetConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One remote PDP: its gRPC stub, its circuit breaker and its health as last probed. A call is admitted only
 * while the endpoint is healthy and its breaker permits it; every call's outcome is recorded in the breaker.
 */
final class PdpEndpoint {
    private static final Logger log = LoggerFactory.getLogger(PdpEndpoint.class);

    /** The {@code gateway_pdp_circuit_state} values. */
    static final int CLOSED = 0;
    static final int OPEN = 1;
    static final int HALF_OPEN = 2;

    private final String address;
    private final DecisionServiceFutureStub stub;
    private final CircuitBreaker breaker;
    private final MeterRegistry registry;
    private final Counter ok;
    private final Counter failed;
    private final Counter skippedOpen;
    private final Counter skippedUnhealthy;
    private volatile boolean healthy = true;

    PdpEndpoint(String address, Duration timeout, PdpFleetConfig.CircuitBreaker settings, ClientFactory factory,
            MeterRegistry registry) {
        this.address = address;
        this.registry = registry;
        this.stub = GrpcClients.builder("http://" + address)
                .factory(factory)
                .responseTimeout(timeout)
                // The deadline covers connecting too: by default it starts once the request is sent, so a PDP
                // that accepts TCP but never answers held every request for the 3.2 s connect timeout.
                .responseTimeoutMode(ResponseTimeoutMode.FROM_START)
                .build(DecisionServiceFutureStub.class);
        this.breaker = CircuitBreaker.of(address, CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(settings.windowSize())
                .minimumNumberOfCalls(settings.minimumCalls())
                .failureRateThreshold(settings.failureRateThreshold())
                .waitDurationInOpenState(settings.open())
                .permittedNumberOfCallsInHalfOpenState(settings.halfOpenCalls())
                .writableStackTraceEnabled(false)
                .build());
        this.ok = calls("ok");
        this.failed = calls("error");
        this.skippedOpen = skipped("circuit_open");
        this.skippedUnhealthy = skipped("unhealthy");
        Gauge.builder("gateway_pdp_circuit_state", breaker, b -> state(b.getState()))
                .description("Circuit breaker of a PDP endpoint: 0 closed, 1 open (out of rotation), 2 half-open")
                .tag("endpoint", address).register(registry);
        Gauge.builder("gateway_pdp_endpoint_healthy", this, e -> e.healthy ? 1 : 0)
                .description("1 while the PDP endpoint's health check passes").tag("endpoint", address)
                .register(registry);
        breaker.getEventPublisher().onStateTransition(event -> {
            CircuitBreaker.State to = event.getStateTransition().getToState();
            log.warn("PDP {}: circuit breaker {} -> {}", address, name(event.getStateTransition().getFromState()),
                    name(to));
            Counter.builder("gateway_pdp_circuit_transitions_total")
                    .description("Circuit breaker transitions of a PDP endpoint, by the state entered")
                    .tags("endpoint", address, "state", name(to)).register(registry).increment();
        });
    }

    private Counter calls(String outcome) {
        return Counter.builder("gateway_pdp_calls_total")
                .description("Decisions asked of a PDP endpoint over the network, by outcome")
                .tags("endpoint", address, "outcome", outcome).register(registry);
    }

    private Counter skipped(String reason) {
        return Counter.builder("gateway_pdp_skipped_total")
                .description("Times a PDP endpoint was passed over without a call (open breaker, failed health check)")
                .tags("endpoint", address, "reason", reason).register(registry);
    }

    String address() {
        return address;
    }

    boolean healthy() {
        return healthy;
    }

    /** Records the latest health-check result; logs a change once. */
    void healthy(boolean now) {
        if (healthy != now) {
            healthy = now;
            if (now) {
                log.info("PDP {}: health check passes, back in rotation", address);
            } else {
                log.warn("PDP {}: health check fails, out of rotation", address);
            }
        }
    }

    /** {@code closed}, {@code open} or {@code half_open}. */
    String circuit() {
        return name(breaker.getState());
    }

    /** Null when a call may go to this endpoint now (the breaker's permission is then taken), else why not. */
    @Nullable
    String admit() {
        if (!healthy) {
            skippedUnhealthy.increment();
            return "unhealthy";
        }
        if (!breaker.tryAcquirePermission()) {
            skippedOpen.increment();
            return "circuit " + circuit();
        }
        return null;
    }

    /** Asks this PDP, after {@link #admit()} allowed it, with {@code remainingNanos} left of the deadline. */
    CompletableFuture<Decision> call(DecideRequest request, long remainingNanos) {
        long start = System.nanoTime();
        CompletableFuture<Decision> out = new CompletableFuture<>();
        Futures.addCallback(stub.withDeadlineAfter(remainingNanos, TimeUnit.NANOSECONDS).decide(request),
                new FutureCallback<>() {
                    @Override
                    public void onSuccess(DecideResponse r) {
                        Decision d;
                        try {
                            d = RemoteDecisionClient.toDecision(r);
                        } catch (RuntimeException e) {
                            failure(start, e);
                            out.completeExceptionally(e); // an answer we cannot read is no answer
                            return;
                        }
                        breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                        ok.increment();
                        out.complete(d);
                    }

                    @Override
                    public void onFailure(Throwable t) {
                        if (isPdpFault(t)) {
                            failure(start, t);
                        } else {
                            // the PDP answered, refusing this request (too large, malformed): it is alive
                            breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                            ok.increment();
                        }
                        out.completeExceptionally(t);
                    }
                }, MoreExecutors.directExecutor());
        return out;
    }

    private void failure(long start, Throwable t) {
        breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, t);
        failed.increment();
    }

    /** Failures that count against the endpoint: no answer, a timeout, a crash; not a refusal of the request. */
    private static boolean isPdpFault(Throwable t) {
        return switch (Status.fromThrowable(t).getCode()) {
            case INVALID_ARGUMENT, RESOURCE_EXHAUSTED, FAILED_PRECONDITION, OUT_OF_RANGE, UNAUTHENTICATED,
                    PERMISSION_DENIED -> false;
            default -> true;
        };
    }

    /**
     * Whether the PDP certainly did not decide (refused or reset connection, draining server, no route), so the
     * decision may be asked of another PDP. Decisions are pure functions of the input, so even a PDP that did
     * evaluate before its connection dropped is safe to repeat.
     */
    static boolean didNotDecide(Throwable t) {
        return Status.fromThrowable(t).getCode() == Status.Code.UNAVAILABLE;
    }

    private static int state(CircuitBreaker.State s) {
        return switch (s) {
            case OPEN, FORCED_OPEN -> OPEN;
            case HALF_OPEN -> HALF_OPEN;
            default -> CLOSED;
        };
    }

    private static String name(CircuitBreaker.State s) {
        return s.name().toLowerCase(Locale.ROOT);
    }
}
