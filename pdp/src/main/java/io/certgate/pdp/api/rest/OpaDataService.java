package io.certgate.pdp.api.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceErrorHandler;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.certgate.pdp.api.RequestJson;
import io.certgate.pdp.api.TooLargeBodies;
import io.certgate.pdp.decision.DecisionService;
import io.certgate.pdp.engine.PolicyException;

/**
 * OPA's Data API, so OPA clients and gateway plugins (Kong, APISIX, Traefik, opa-java) work unchanged:
 * {@code POST /v1/data/{path}} with {@code {"input": …}} and {@code GET /v1/data/{path}?input=JSON},
 * answering {@code {"result": …, "decision_id": …}} (no {@code result} when undefined), and
 * {@code POST /v0/data/{path}} whose body is the input and whose answer is the bare value (404 when
 * undefined). {@code ?pretty=true} indents; OPA's {@code explain}, {@code metrics}, {@code provenance},
 * {@code instrument} and {@code strict-builtin-errors} parameters are accepted and ignored. Errors use
 * OPA's {@code {"code", "message"}} shape.
 */
public final class OpaDataService implements HttpService {
    /** Mount point; the rest of the path is the entrypoint. */
    public static final String PREFIX = "/v1/data/";
    /** OPA's v0 Data API: the body is the input, the answer the bare value. */
    public static final String V0_PREFIX = "/v0/data/";
    /** The whole data document (mounted as an exact path: no redirect to {@link #PREFIX}). */
    public static final String ROOT = "/v1/data";
    /** The whole data document, v0. */
    public static final String V0_ROOT = "/v0/data";

    private final DecisionService decisions;
    private final ObjectMapper json;

    public OpaDataService(DecisionService decisions, ObjectMapper json) {
        this.decisions = decisions;
        this.json = json;
    }

    /** Answers the server's own 413 (body over {@code server.max_request_bytes}) in OPA's error shape. */
    public static ServiceErrorHandler errorHandler(ObjectMapper json) {
        return TooLargeBodies.handler(headers -> AggregatedHttpResponse.of(HttpStatus.REQUEST_ENTITY_TOO_LARGE,
                MediaType.JSON_UTF_8, "{\"code\":\"invalid_parameter\",\"message\":\"" + TooLargeBodies.MESSAGE + "\"}"));
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        boolean v0 = ctx.path().startsWith(V0_ROOT);
        String prefix = v0 ? V0_PREFIX : PREFIX;
        boolean get = req.method() == HttpMethod.GET && !v0;
        if (req.method() != HttpMethod.POST && !get) {
            return JsonResponses.error(json, HttpStatus.METHOD_NOT_ALLOWED, "invalid_parameter", v0
                    ? "use POST " + V0_PREFIX + "{path} with the input as the JSON body"
                    : "use POST " + PREFIX + "{path} with a JSON body {\"input\": ...}, or GET with ?input=JSON");
        }
        // "" is the whole data document, as with OPA
        String path = ctx.path().substring(Math.min(prefix.length(), ctx.path().length()));
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        String entrypoint = path;
        QueryParams params = ctx.query() == null ? QueryParams.of() : QueryParams.fromQueryString(ctx.query());
        boolean pretty = params.contains("pretty") && !"false".equals(params.get("pretty"));
        return HttpResponse.of(req.aggregate().thenApplyAsync(agg -> {
            ObjectMapper out = pretty ? json.copy().enable(com.fasterxml.jackson.databind.SerializationFeature
                    .INDENT_OUTPUT) : json;
            return evaluate(entrypoint, v0, get ? params.get("input") : null, get, agg, out);
        }, ctx.blockingTaskExecutor()));
    }

    private HttpResponse evaluate(String entrypoint, boolean v0, @Nullable String queryInput, boolean get,
            AggregatedHttpRequest agg, ObjectMapper out) {
        // null: the request has no input (OPA's undefined input); only a POST without one is warned about
        JsonNode input = null;
        try {
            if (get) {
                if (queryInput != null) {
                    input = RequestJson.read(queryInput.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                            "the input query parameter");
                }
            } else if (agg.content().isEmpty()) {
                input = null;
            } else if (v0) {
                input = RequestJson.read(agg.content().array(), "the request body");
            } else {
                JsonNode body = RequestJson.read(agg.content().array(), "the request body");
                if (!body.isObject()) {
                    return JsonResponses.error(json, HttpStatus.BAD_REQUEST, "invalid_parameter",
                            "the request body must be a JSON object like {\"input\": ...}, not "
                                    + body.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
                }
                input = body.get("input");
            }
        } catch (RequestJson.InvalidJsonException e) {
            return JsonResponses.error(json, HttpStatus.BAD_REQUEST, "invalid_parameter", e.getMessage());
        }
        try {
            DecisionService.RawEvaluation r = decisions.queryDocument(entrypoint, input);
            if (v0) {
                if (r.result().isEmpty()) {
                    return JsonResponses.error(json, HttpStatus.NOT_FOUND, "undefined_document",
                            "document missing: data"
                                    + (entrypoint.isEmpty() ? "" : "." + entrypoint.replace('/', '.')));
                }
                return JsonResponses.json(out, HttpStatus.OK, r.result().get());
            }
            ObjectNode body = json.createObjectNode();
            r.result().ifPresent(v -> body.set("result", v));
            body.put("decision_id", r.decisionId());
            if (input == null && !get) {
                // what OPA says when a client forgets the "input" wrapper
                body.putObject("warning").put("code", "api_usage_warning")
                        .put("message", "'input' key missing from the request");
            }
            return JsonResponses.json(out, HttpStatus.OK, body);
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
