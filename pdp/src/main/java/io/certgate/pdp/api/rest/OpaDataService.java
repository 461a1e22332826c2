package io.certgate.pdp.api.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.certgate.pdp.decision.DecisionService;
import io.certgate.pdp.engine.PolicyException;

/**
 * OPA's Data API, {@code POST /v1/data/{path}} with {@code {"input": …}}, answering
 * {@code {"result": …, "decision_id": …}} (no {@code result} when undefined), so OPA clients and
 * gateway plugins work unchanged. Errors use OPA's {@code {"code", "message"}} shape.
 */
public final class OpaDataService implements HttpService {
    /** Mount point; the rest of the path is the entrypoint. */
    public static final String PREFIX = "/v1/data/";

    private final DecisionService decisions;
    private final ObjectMapper json;

    public OpaDataService(DecisionService decisions, ObjectMapper json) {
        this.decisions = decisions;
        this.json = json;
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        if (req.method() != HttpMethod.POST) {
            return JsonResponses.error(json, HttpStatus.METHOD_NOT_ALLOWED, "invalid_parameter",
                    "use POST " + PREFIX + "{path} with a JSON body {\"input\": ...}");
        }
        String path = ctx.path().substring(PREFIX.length());
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        if (path.isEmpty()) {
            return JsonResponses.error(json, HttpStatus.NOT_FOUND, "resource_not_found",
                    "name an entrypoint: POST " + PREFIX + "{entrypoint}, e.g. " + PREFIX
                            + decisions.defaultEntrypoint());
        }
        String entrypoint = path;
        return HttpResponse.of(req.aggregate().thenApplyAsync(agg -> evaluate(entrypoint, agg),
                ctx.blockingTaskExecutor()));
    }

    private HttpResponse evaluate(String entrypoint, AggregatedHttpRequest agg) {
        JsonNode input;
        if (agg.content().isEmpty()) {
            input = json.createObjectNode();
        } else {
            JsonNode body;
            try {
                body = json.readTree(agg.content().array());
            } catch (JsonProcessingException e) {
                return JsonResponses.error(json, HttpStatus.BAD_REQUEST, "invalid_parameter",
                        "request body is not valid JSON (line " + e.getLocation().getLineNr() + ", column "
                                + e.getLocation().getColumnNr() + "): " + e.getOriginalMessage());
            } catch (java.io.IOException e) {
                return JsonResponses.error(json, HttpStatus.BAD_REQUEST, "invalid_parameter", e.getMessage());
            }
            if (!body.isObject()) {
                return JsonResponses.error(json, HttpStatus.BAD_REQUEST, "invalid_parameter",
                        "request body must be a JSON object like {\"input\": ...}, got " + body.getNodeType());
            }
            input = body.has("input") ? body.get("input") : json.createObjectNode();
        }
        try {
            DecisionService.RawEvaluation r = decisions.evaluateRaw(entrypoint, input);
            ObjectNode out = json.createObjectNode();
            r.result().ifPresent(v -> out.set("result", v));
            out.put("decision_id", r.decisionId());
            return JsonResponses.json(json, HttpStatus.OK, out);
        } catch (PolicyException e) {
            return switch (e.kind()) {
                case UNKNOWN_ENTRYPOINT -> JsonResponses.error(json, HttpStatus.NOT_FOUND, "resource_not_found",
                        e.getMessage());
                case NO_BUNDLE, BUSY -> JsonResponses.error(json, HttpStatus.SERVICE_UNAVAILABLE,
                        "unavailable", e.getMessage());
                default -> JsonResponses.error(json, HttpStatus.INTERNAL_SERVER_ERROR, "internal_error",
                        e.getMessage());
            };
        }
    }
}
