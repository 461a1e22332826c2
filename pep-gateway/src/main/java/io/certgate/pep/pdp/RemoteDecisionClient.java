package io.certgate.pep.pdp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.client.endpoint.healthcheck.HealthCheckedEndpointGroup;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.api.grpc.v1.ClientCertificate;
import io.certgate.pdp.api.grpc.v1.DecideRequest;
import io.certgate.pdp.api.grpc.v1.DecideResponse;
import io.certgate.pdp.decision.Challenge;
import io.certgate.pdp.decision.Decision;
import io.certgate.pdp.decision.Effect;
import io.certgate.pdp.decision.RateLimitObligation;
import io.certgate.pdp.decision.Reason;
import io.certgate.pdp.input.PresentedCertificate;
import io.certgate.pep.config.PdpFleetConfig;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * One or several PDPs over gRPC ({@code pdp.v1.DecisionService/Decide}) with one deadline per decision.
 * Endpoints are tried round robin (or in list order for failover); one that fails its health check
 * ({@link HealthCheckedEndpointGroup} on the PDP's {@code /health}) or whose circuit breaker is open is passed
 * over without a network call. When a PDP certainly did not decide (connection refused or reset, UNAVAILABLE)
 * the next one is asked within what is left of the deadline; when none is left the future fails at once with
 * {@link PdpUnavailableException} and the service's {@code on_pdp_unavailable} applies.
 */
public final class RemoteDecisionClient implements DecisionClient {
    private final List<PdpEndpoint> endpoints;
    private final Duration timeout;
    private final String entrypoint;
    private final PdpFleetConfig.LoadBalancing lb;
    private final AtomicInteger next = new AtomicInteger();
    private final ClientFactory factory;
    @Nullable
    private final HealthCheckedEndpointGroup health;
    private final Counter retries;

    public RemoteDecisionClient(List<String> addresses, Duration timeout, String entrypoint, PdpFleetConfig fleet,
            MeterRegistry registry) {
        this.timeout = timeout;
        this.entrypoint = entrypoint;
        this.lb = fleet.lb();
        this.factory = ClientFactory.builder().build();
        this.endpoints = addresses.stream()
                .map(a -> new PdpEndpoint(a, timeout, fleet.circuitBreaker(), factory, registry)).toList();
        this.retries = Counter.builder("gateway_pdp_retries_total")
                .description("Decisions asked again of another PDP after one did not decide").register(registry);
        this.health = fleet.healthCheck().enabled() ? healthChecks(fleet.healthCheck()) : null;
    }

    private HealthCheckedEndpointGroup healthChecks(PdpFleetConfig.HealthCheck settings) {
        EndpointGroup all = EndpointGroup.of(endpoints.stream().map(e -> Endpoint.parse(e.address())).toList());
        // A probe that hangs counts as failed once the next one is due.
        Duration probeTimeout = settings.interval().compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1)
                : settings.interval();
        HealthCheckedEndpointGroup group = HealthCheckedEndpointGroup.builder(all, settings.path())
                .clientFactory(factory)
                .protocol(SessionProtocol.HTTP)
                .retryInterval(settings.interval())
                .withClientOptions(o -> o.responseTimeout(probeTimeout))
                .build();
        // Until the first probes report, every endpoint counts as healthy (its breaker still guards it).
        group.addListener(healthy -> {
            Set<String> up = healthy.stream().map(e -> e.host() + ":" + e.port()).collect(Collectors.toSet());
            endpoints.forEach(e -> e.healthy(up.contains(e.address())));
        }, true);
        return group;
    }

    @Override
    public CompletableFuture<Decision> decide(ObjectNode input, @Nullable PresentedCertificate certificate) {
        DecideRequest.Builder req = DecideRequest.newBuilder().setEntrypoint(entrypoint);
        try {
            Struct.Builder struct = Struct.newBuilder();
            JsonFormat.parser().merge(input.toString(), struct);
            req.setInput(struct);
        } catch (InvalidProtocolBufferException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (certificate != null) {
            ClientCertificate.Builder c = ClientCertificate.newBuilder()
                    .setVerified(certificate.verified())
                    .setVerifyCode(certificate.verifyCode());
            certificate.chainDer().forEach(der -> c.addChainDer(ByteString.copyFrom(der)));
            if (certificate.verifyError() != null) {
                c.setVerifyError(certificate.verifyError());
            }
            req.setClientCertificate(c);
        }
        CompletableFuture<Decision> out = new CompletableFuture<>();
        int first = lb == PdpFleetConfig.LoadBalancing.ROUND_ROBIN
                ? Math.floorMod(next.getAndIncrement(), endpoints.size()) : 0;
        attempt(req.build(), first, 0, System.nanoTime() + timeout.toNanos(), new ArrayList<>(), out);
        return out;
    }

    /** Asks the {@code tried}-th endpoint from {@code first} on, or the next admitted one after it. */
    private void attempt(DecideRequest request, int first, int tried, long deadline, List<String> passedOver,
            CompletableFuture<Decision> out) {
        int n = endpoints.size();
        for (int i = tried; i < n; i++) {
            PdpEndpoint e = endpoints.get((first + i) % n);
            String why = e.admit();
            if (why != null) {
                passedOver.add(e.address() + " " + why);
                continue;
            }
            int after = i + 1;
            e.call(request, Math.max(1, deadline - System.nanoTime())).whenComplete((decision, failure) -> {
                if (failure == null) {
                    out.complete(decision);
                } else if (PdpEndpoint.didNotDecide(failure) && after < n && deadline - System.nanoTime() > 0) {
                    retries.increment();
                    passedOver.add(e.address() + " did not decide (" + Status.fromThrowable(failure) + ")");
                    attempt(request, first, after, deadline, passedOver, out);
                } else {
                    out.completeExceptionally(failure);
                }
            });
            return;
        }
        out.completeExceptionally(new PdpUnavailableException(passedOver));
    }

    /** Each endpoint's address, health and breaker state, in configuration order (for the admin {@code /health}). */
    public List<EndpointState> endpoints() {
        return endpoints.stream().map(e -> new EndpointState(e.address(), e.healthy(), e.circuit())).toList();
    }

    /**
     * @param address host:port as configured
     * @param healthy whether its last health check passed (true before the first one and without checks)
     * @param circuit {@code closed}, {@code open} or {@code half_open}
     */
    public record EndpointState(String address, boolean healthy, String circuit) {
        /** Whether a decision may go to this endpoint now. */
        public boolean usable() {
            return healthy && !"open".equals(circuit);
        }
    }

    static Decision toDecision(DecideResponse r) {
        Effect effect = Effect.valueOf(r.getEffect().toUpperCase(Locale.ROOT));
        List<Reason> reasons = r.getReasonsList().stream().map(x -> new Reason(x.getCode(), x.getMessage())).toList();
        Challenge challenge = r.hasChallenge() ? new Challenge(r.getChallenge().getType(),
                r.getChallenge().getAcrValues(), r.getChallenge().getMaxAge()) : null;
        List<RateLimitObligation> limits = r.getRateLimitsList().stream().map(l -> new RateLimitObligation(
                l.getName(), l.getKey(), l.getRate(), l.getPeriodSeconds(), l.getBurst())).toList();
        return new Decision(r.getDecisionId(), r.getRevision(), effect, r.getStatus(), reasons,
                r.getObligationHeadersMap(), challenge, r.getTtlSeconds(), limits);
    }

    @Override
    public String describe() {
        String all = endpoints.stream().map(PdpEndpoint::address).collect(Collectors.joining(", "));
        return "remote " + all + (endpoints.size() > 1 ? " (" + lb.name().toLowerCase(Locale.ROOT) + ")" : "");
    }

    @Override
    public void close() {
        if (health != null) {
            health.close();
        }
        factory.close();
    }
}
