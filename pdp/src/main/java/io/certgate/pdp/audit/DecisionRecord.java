package io.certgate.pdp.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.common.annotation.Nullable;
import java.time.Instant;

/**
 * One decision as handed over on the request path: references only, turned into an event (copied,
 * masked, serialized) by the log's writer thread. The input and result are not changed after the
 * hand-over.
 */
record DecisionRecord(String decisionId, Instant timestamp, String path, String revision, JsonNode input,
        @Nullable JsonNode result, @Nullable String error, long latencyNanos, boolean cached,
        @Nullable JsonNode providers) {}
