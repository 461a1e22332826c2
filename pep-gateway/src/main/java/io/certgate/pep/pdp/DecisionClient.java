package io.certgate.pep.pdp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.decision.Decision;
import io.certgate.pdp.input.PresentedCertificate;
import java.util.concurrent.CompletableFuture;

/**
 * How the gateway asks for a decision: in-process ({@link EmbeddedDecisionClient}) or over gRPC
 * ({@link RemoteDecisionClient}). A future that fails means "the PDP could not answer" and is
 * handled by the service's fallback (fail closed by default); a deny is a successful answer.
 */
public interface DecisionClient extends AutoCloseable {
    CompletableFuture<Decision> decide(ObjectNode input, @Nullable PresentedCertificate certificate);

    /** For logs: {@code embedded (reference)} or {@code remote 127.0.0.1:8181}. */
    String describe();

    @Override
    void close();
}
