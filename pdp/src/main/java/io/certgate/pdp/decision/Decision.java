package io.certgate.pdp.decision;

import com.linecorp.armeria.common.annotation.Nullable;
import java.util.List;
import java.util.Map;

/**
 * The answer of the PDP for one request. Immutable.
 *
 * @param decisionId unique id of this decision, also in the decision log
 * @param revision revision of the bundle that produced it (empty when none was active)
 * @param effect allow, deny or challenge
 * @param status the HTTP status the enforcement point returns
 * @param reasons why; empty on a plain allow
 * @param obligationHeaders headers to add to the upstream request on allow
 * @param challenge the step-up challenge, present only when effect is challenge
 * @param ttlSeconds how long this decision may be cached for the same input (0 = never)
 * @param rateLimits limits the enforcement point applies on allow
 */
public record Decision(String decisionId, String revision, Effect effect, int status, List<Reason> reasons,
        Map<String, String> obligationHeaders, @Nullable Challenge challenge, int ttlSeconds,
        List<RateLimitObligation> rateLimits) {
    public Decision {
        reasons = List.copyOf(reasons);
        obligationHeaders = Map.copyOf(obligationHeaders);
        rateLimits = List.copyOf(rateLimits);
    }

    /** A decision without rate-limit obligations. */
    public Decision(String decisionId, String revision, Effect effect, int status, List<Reason> reasons,
            Map<String, String> obligationHeaders, @Nullable Challenge challenge, int ttlSeconds) {
        this(decisionId, revision, effect, status, reasons, obligationHeaders, challenge, ttlSeconds, List.of());
    }

    public boolean allowed() {
        return effect == Effect.ALLOW;
    }

    /** A deny produced by the PDP itself, not by the policy (errors, overload, no bundle). */
    static Decision failure(String decisionId, String revision, int status, String code, String message) {
        return new Decision(decisionId, revision, Effect.DENY, status, List.of(new Reason(code, message)),
                Map.of(), null, 0);
    }

    /** The same decision cacheable for at most {@code maxSeconds} (for facts that expire, like a token). */
    Decision withTtlAtMost(long maxSeconds) {
        return maxSeconds >= ttlSeconds ? this : new Decision(decisionId, revision, effect, status, reasons,
                obligationHeaders, challenge, (int) Math.max(0, maxSeconds), rateLimits);
    }

    /** The same decision under another id, for a decision served from cache. */
    Decision withDecisionId(String id) {
        return new Decision(id, revision, effect, status, reasons, obligationHeaders, challenge, ttlSeconds,
                rateLimits);
    }
}
