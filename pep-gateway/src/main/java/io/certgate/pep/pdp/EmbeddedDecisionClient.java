package io.certgate.pep.pdp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.Pdp;
import io.certgate.pdp.decision.Decision;
import io.certgate.pdp.input.PresentedCertificate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/** The PDP in-process: no network hop; evaluations run on the given executor, never the event loop. */
public final class EmbeddedDecisionClient implements DecisionClient {
    private final Pdp pdp;
    private final Executor executor;

    public EmbeddedDecisionClient(Pdp pdp, Executor executor) {
        this.pdp = pdp;
        this.executor = executor;
    }

    @Override
    public CompletableFuture<Decision> decide(ObjectNode input, @Nullable PresentedCertificate certificate) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return pdp.decisions().decide(null, input, certificate, false);
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, executor);
    }

    public Pdp pdp() {
        return pdp;
    }

    @Override
    public String describe() {
        return "embedded (" + pdp.bundles().status().source() + ")";
    }

    @Override
    public void close() {
        pdp.close();
    }
}
