package io.certgate.pep.pdp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.Pdp;
import io.certgate.pdp.decision.Decision;
import io.certgate.pdp.decision.DecisionService;
import io.certgate.pdp.decision.Protocol;
import io.certgate.pdp.input.PresentedCertificate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * The PDP in-process: no network hop. Evaluations run on the given executor, never the event loop. Without
 * attribute providers the first, non-blocking half of a decision (input enrichment and the decision cache) runs
 * on the caller's thread, so a cached decision is answered without a hand-off to the executor and back.
 */
public final class EmbeddedDecisionClient implements DecisionClient {
    private final Pdp pdp;
    private final Executor executor;

    public EmbeddedDecisionClient(Pdp pdp, Executor executor) {
        this.pdp = pdp;
        this.executor = executor;
    }

    @Override
    public CompletableFuture<Decision> decide(ObjectNode input, @Nullable PresentedCertificate certificate) {
        DecisionService decisions = pdp.decisions();
        if (decisions.beginBlocks()) {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return decisions.decide(null, input, certificate, false, Protocol.EMBEDDED);
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            }, executor);
        }
        DecisionService.Pending pending;
        try {
            pending = decisions.begin(null, input, certificate, false, Protocol.EMBEDDED);
        } catch (Exception e) {
            return CompletableFuture.failedFuture(new CompletionException(e));
        }
        Decision known = pending.decided();
        if (known != null) {
            return CompletableFuture.completedFuture(known);
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                return decisions.complete(pending);
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
