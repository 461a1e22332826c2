package io.certgate.pep.pdp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import com.linecorp.armeria.client.ResponseTimeoutMode;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.api.grpc.v1.ClientCertificate;
import io.certgate.pdp.api.grpc.v1.DecideRequest;
import io.certgate.pdp.api.grpc.v1.DecideResponse;
import io.certgate.pdp.api.grpc.v1.DecisionServiceGrpc.DecisionServiceFutureStub;
import io.certgate.pdp.decision.Challenge;
import io.certgate.pdp.decision.Decision;
import io.certgate.pdp.decision.Effect;
import io.certgate.pdp.decision.RateLimitObligation;
import io.certgate.pdp.decision.Reason;
import io.certgate.pdp.input.PresentedCertificate;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A PDP over gRPC ({@code pdp.v1.DecisionService/Decide}) with a per-call deadline. */
public final class RemoteDecisionClient implements DecisionClient {
    private final String address;
    private final Duration timeout;
    private final String entrypoint;
    private final DecisionServiceFutureStub stub;

    public RemoteDecisionClient(String address, Duration timeout, String entrypoint) {
        this.address = address;
        this.timeout = timeout;
        this.entrypoint = entrypoint;
        this.stub = GrpcClients.builder("http://" + address)
                .responseTimeout(timeout)
                // The deadline covers connecting too: by default it starts once the request is sent, so a PDP
                // that accepts TCP but never answers held every request for the 3.2 s connect timeout.
                .responseTimeoutMode(ResponseTimeoutMode.FROM_START)
                .build(DecisionServiceFutureStub.class);
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
        Futures.addCallback(stub.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS).decide(req.build()),
                new FutureCallback<>() {
                    @Override
                    public void onSuccess(DecideResponse r) {
                        try {
                            out.complete(toDecision(r));
                        } catch (RuntimeException e) {
                            out.completeExceptionally(e); // an answer we cannot read is no answer
                        }
                    }

                    @Override
                    public void onFailure(Throwable t) {
                        out.completeExceptionally(t);
                    }
                }, MoreExecutors.directExecutor());
        return out;
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
        return "remote " + address;
    }

    @Override
    public void close() {
        // Armeria's default client factory is shared and closed at JVM exit.
    }
}
