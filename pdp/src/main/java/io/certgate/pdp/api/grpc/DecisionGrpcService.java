package io.certgate.pdp.api.grpc;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.certgate.pdp.api.grpc.v1.Challenge;
import io.certgate.pdp.api.grpc.v1.ClientCertificate;
import io.certgate.pdp.api.grpc.v1.DecideBatchRequest;
import io.certgate.pdp.api.grpc.v1.DecideBatchResponse;
import io.certgate.pdp.api.grpc.v1.DecideRequest;
import io.certgate.pdp.api.grpc.v1.DecideResponse;
import io.certgate.pdp.api.grpc.v1.DecisionServiceGrpc;
import io.certgate.pdp.api.grpc.v1.Reason;
import io.certgate.pdp.cert.CertificateParseException;
import io.certgate.pdp.decision.Decision;
import io.certgate.pdp.decision.DecisionService;
import io.certgate.pdp.decision.Protocol;
import io.certgate.pdp.engine.PolicyException;
import io.certgate.pdp.input.PresentedCertificate;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;

/** gRPC {@code pdp.v1.DecisionService}: the native API for enforcement points. */
public final class DecisionGrpcService extends DecisionServiceGrpc.DecisionServiceImplBase {
    /** Most requests one DecideBatch may carry. */
    public static final int MAX_BATCH = 100;
    private static final int MAX_CHAIN = 10;

    private final DecisionService decisions;
    private final Offload offload;

    public DecisionGrpcService(DecisionService decisions, Offload offload) {
        this.decisions = decisions;
        this.offload = offload;
    }

    @Override
    public void decide(DecideRequest request, StreamObserver<DecideResponse> observer) {
        offload.run(observer, () -> {
            try {
                observer.onNext(decideOne(request, ""));
                observer.onCompleted();
            } catch (StatusException e) {
                observer.onError(e);
            }
        });
    }

    @Override
    public void decideBatch(DecideBatchRequest request, StreamObserver<DecideBatchResponse> observer) {
        if (request.getRequestsCount() > MAX_BATCH) {
            observer.onError(Status.INVALID_ARGUMENT.withDescription("a batch holds at most " + MAX_BATCH
                    + " requests, got " + request.getRequestsCount()).asException());
            return;
        }
        offload.run(observer, () -> decideAll(request, observer));
    }

    private void decideAll(DecideBatchRequest request, StreamObserver<DecideBatchResponse> observer) {
        DecideBatchResponse.Builder out = DecideBatchResponse.newBuilder();
        try {
            for (int i = 0; i < request.getRequestsCount(); i++) {
                out.addResponses(decideOne(request.getRequests(i), "requests[" + i + "]: "));
            }
        } catch (StatusException e) {
            observer.onError(e);
            return;
        }
        observer.onNext(out.build());
        observer.onCompleted();
    }

    private DecideResponse decideOne(DecideRequest request, String where) throws StatusException {
        ObjectNode input;
        try {
            input = StructJson.toJson(request.getInput());
        } catch (IllegalArgumentException e) {
            throw invalid(where + "input: " + e.getMessage());
        }
        PresentedCertificate cert = null;
        if (request.hasClientCertificate()) {
            cert = certificate(request.getClientCertificate(), where);
        }
        try {
            return toProto(decisions.decide(request.getEntrypoint(), input, cert, false, Protocol.GRPC));
        } catch (PolicyException e) {
            throw Status.NOT_FOUND.withDescription(where + e.getMessage()).asException();
        } catch (CertificateParseException e) {
            throw invalid(where + "client_certificate: " + e.getMessage());
        }
    }

    private static PresentedCertificate certificate(ClientCertificate c, String where) throws StatusException {
        if (c.getChainDerCount() == 0) {
            throw invalid(where + "client_certificate.chain_der is empty; omit client_certificate when the"
                    + " client presented none and set input.certificate.present=false");
        }
        if (c.getChainDerCount() > MAX_CHAIN) {
            throw invalid(where + "client_certificate.chain_der has " + c.getChainDerCount()
                    + " certificates; at most " + MAX_CHAIN + " are accepted");
        }
        if (c.getVerifyCode() < 0) {
            throw invalid(where + "client_certificate.verify_code must be >= 0, got " + c.getVerifyCode());
        }
        if (c.getVerified() != (c.getVerifyCode() == 0) && c.getVerified()) {
            throw invalid(where + "client_certificate: verified=true contradicts verify_code="
                    + c.getVerifyCode());
        }
        List<byte[]> chain = new ArrayList<>(c.getChainDerCount());
        for (ByteString der : c.getChainDerList()) {
            chain.add(der.toByteArray());
        }
        String error = c.getVerifyError().isEmpty() ? null : c.getVerifyError();
        return new PresentedCertificate(chain, c.getVerified(), c.getVerifyCode(), error);
    }

    static DecideResponse toProto(Decision d) {
        DecideResponse.Builder b = DecideResponse.newBuilder()
                .setDecisionId(d.decisionId())
                .setRevision(d.revision())
                .setEffect(d.effect().wireName())
                .setStatus(d.status())
                .putAllObligationHeaders(d.obligationHeaders())
                .setTtlSeconds(d.ttlSeconds());
        d.rateLimits().forEach(l -> b.addRateLimits(io.certgate.pdp.api.grpc.v1.RateLimit.newBuilder().setName(l.name())
                .setKey(l.key()).setRate(l.rate()).setPeriodSeconds(l.periodSeconds()).setBurst(l.burst())));
        d.reasons().forEach(r -> b.addReasons(Reason.newBuilder().setCode(r.code()).setMessage(r.message())));
        if (d.challenge() != null) {
            b.setChallenge(Challenge.newBuilder().setType(d.challenge().type())
                    .setAcrValues(d.challenge().acrValues()).setMaxAge(d.challenge().maxAgeSeconds()));
        }
        return b.build();
    }

    private static StatusException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asException();
    }
}
