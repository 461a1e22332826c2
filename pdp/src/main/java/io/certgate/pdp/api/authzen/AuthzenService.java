package io.certgate.pdp.api.authzen;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceErrorHandler;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.certgate.pdp.api.RequestJson;
import io.certgate.pdp.api.TooLargeBodies;
import io.certgate.pdp.decision.DecisionService;
import io.certgate.pdp.engine.PolicyException;
import java.util.List;
import java.util.Locale;

/**
 * OpenID AuthZEN Authorization API 1.0: {@code POST /access/v1/evaluation}, {@code POST
 * /access/v1/evaluations} and {@code GET /.well-known/authzen-configuration}. The input is the AuthZEN
 * request itself (for {@code evaluations}, each item over the top-level defaults), evaluated at the
 * AuthZEN entrypoint, whose value is a boolean or {@code {decision, context}}. A policy failure is
 * {@code decision: false} with {@code context.error}; malformed requests are 400 with a message string,
 * as the specification's error table says.
 */
public final class AuthzenService implements HttpService {
    public static final String EVALUATION = "/access/v1/evaluation";
    public static final String EVALUATIONS = "/access/v1/evaluations";
    public static final String METADATA = "/.well-known/authzen-configuration";

    private static final List<String> ENTITIES = List.of("subject", "action", "resource", "context");
    private static final String REQUEST_ID = "x-request-id";

    private final DecisionService decisions;
    private final String entrypoint;
    private final ObjectMapper json;

    public AuthzenService(DecisionService decisions, String entrypoint, ObjectMapper json) {
        this.decisions = decisions;
        this.entrypoint = entrypoint;
        this.json = json;
    }

    /** Answers the server's own 413 as the specification's error: a message string, request id echoed. */
    public static ServiceErrorHandler errorHandler() {
        return TooLargeBodies.handler(headers -> AggregatedHttpResponse.of(
                AuthzenService.headers(HttpStatus.REQUEST_ENTITY_TOO_LARGE, headers.get(REQUEST_ID))
                        .contentType(MediaType.PLAIN_TEXT_UTF_8).build(),
                HttpData.ofUtf8(TooLargeBodies.MESSAGE)));
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        String requestId = req.headers().get(REQUEST_ID);
        String path = ctx.path();
        if (path.equals(METADATA)) {
            if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
                return error(HttpStatus.METHOD_NOT_ALLOWED, requestId, "use GET " + METADATA);
            }
            String base = (ctx.sessionProtocol().isTls() ? "https" : "http") + "://" + req.headers().authority();
            ObjectNode meta = json.createObjectNode()
                    .put("policy_decision_point", base)
                    .put("access_evaluation_endpoint", base + EVALUATION)
                    .put("access_evaluations_endpoint", base + EVALUATIONS);
            return ok(meta, requestId);
        }
        if (req.method() != HttpMethod.POST) {
            return error(HttpStatus.METHOD_NOT_ALLOWED, requestId, "use POST " + path + " with a JSON object");
        }
        MediaType type = req.contentType();
        if (type != null && !type.isJson()) {
            return error(HttpStatus.BAD_REQUEST, requestId, "Content-Type must be application/json, got " + type);
        }
        boolean batch = path.equals(EVALUATIONS);
        return HttpResponse.of(req.aggregate().thenApplyAsync(agg -> handle(agg, batch, requestId),
                ctx.blockingTaskExecutor()));
    }

    private HttpResponse handle(AggregatedHttpRequest agg, boolean batch, @Nullable String requestId) {
        JsonNode body;
        try {
            body = RequestJson.read(agg.content().array(), "the request body");
        } catch (RequestJson.InvalidJsonException e) {
            return error(HttpStatus.BAD_REQUEST, requestId, e.getMessage());
        }
        if (!body.isObject()) {
            return error(HttpStatus.BAD_REQUEST, requestId, "the request body must be a JSON object, got "
                    + body.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        try {
            JsonNode items = body.get("evaluations");
            if (!batch || items == null || items.isNull() || (items.isArray() && items.isEmpty())) {
                ObjectNode request = pick((ObjectNode) body);
                AuthzenRequests.validate(request, "");
                return ok(evaluate(request), requestId);
            }
            if (!items.isArray()) {
                throw new AuthzenRequests.BadRequest("evaluations must be an array, got "
                        + items.getNodeType().name().toLowerCase(Locale.ROOT));
            }
            Semantic semantic = Semantic.of(body.path("options"));
            ArrayNode results = json.createArrayNode();
            List<ObjectNode> requests = AuthzenRequests.merge((ObjectNode) body, (ArrayNode) items, json);
            for (ObjectNode request : requests) {
                ObjectNode result = evaluate(request);
                results.add(result);
                boolean decision = result.path("decision").asBoolean(false);
                if (semantic.stopsAt(decision)) {
                    break;
                }
            }
            ObjectNode out = json.createObjectNode();
            out.set("evaluations", results);
            return ok(out, requestId);
        } catch (AuthzenRequests.BadRequest e) {
            return error(HttpStatus.BAD_REQUEST, requestId, e.getMessage());
        } catch (PolicyException e) {
            return error(HttpStatus.INTERNAL_SERVER_ERROR, requestId, e.getMessage());
        }
    }

    /** Where the JSON error is, when Jackson knows (it does not for its nesting-depth limit). */
    private static String where(JsonProcessingException e) {
        return e.getLocation() == null ? ""
                : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }

    private ObjectNode pick(ObjectNode body) {
        ObjectNode request = json.createObjectNode();
        for (String k : ENTITIES) {
            if (body.has(k)) {
                request.set(k, body.get(k));
            }
        }
        return request;
    }

    /**
     * One evaluation; errors of this evaluation become {@code decision: false} with {@code context.error}.
     *
     * @throws PolicyException when the bundle has no AuthZEN entrypoint or no bundle is active (whole payload)
     */
    private ObjectNode evaluate(ObjectNode request) throws PolicyException {
        ObjectNode out = json.createObjectNode();
        DecisionService.RawEvaluation r;
        try {
            r = decisions.evaluateRaw(entrypoint, request);
        } catch (PolicyException e) {
            if (e.kind() == PolicyException.Kind.UNKNOWN_ENTRYPOINT || e.kind() == PolicyException.Kind.NO_BUNDLE) {
                throw e;
            }
            out.put("decision", false);
            out.putObject("context").putObject("error").put("status", 500).put("message", e.getMessage());
            return out;
        }
        JsonNode value = r.result().orElse(null);
        ObjectNode context;
        if (value != null && value.isBoolean()) {
            out.put("decision", value.booleanValue());
            context = out.putObject("context");
        } else if (value != null && value.isObject() && value.path("decision").isBoolean()
                && (!value.has("context") || value.get("context").isObject())) {
            out.put("decision", value.get("decision").booleanValue());
            context = value.has("context") ? ((ObjectNode) value.get("context")).deepCopy() : json.createObjectNode();
            out.set("context", context);
        } else {
            out.put("decision", false);
            context = out.putObject("context");
            context.putObject("error").put("status", 500).put("message", value == null
                    ? "the policy is undefined for this request at " + entrypoint
                    : "the policy returned neither a boolean nor {decision, context} at " + entrypoint);
        }
        context.put("decision_id", r.decisionId());
        return out;
    }

    private HttpResponse ok(ObjectNode body, @Nullable String requestId) {
        try {
            return HttpResponse.of(headers(HttpStatus.OK, requestId).contentType(MediaType.JSON_UTF_8).build(),
                    HttpData.wrap(json.writeValueAsBytes(body)));
        } catch (JsonProcessingException e) {
            return error(HttpStatus.INTERNAL_SERVER_ERROR, requestId, "cannot encode the response");
        }
    }

    private static HttpResponse error(HttpStatus status, @Nullable String requestId, String message) {
        return HttpResponse.of(headers(status, requestId).contentType(MediaType.PLAIN_TEXT_UTF_8).build(),
                HttpData.ofUtf8(message));
    }

    private static ResponseHeadersBuilder headers(HttpStatus status, @Nullable String requestId) {
        ResponseHeadersBuilder h = ResponseHeaders.builder(status).set("cache-control", "no-store");
        if (requestId != null) {
            h.set(REQUEST_ID, requestId);
        }
        return h;
    }

    /** {@code options.evaluations_semantic}. */
    enum Semantic {
        EXECUTE_ALL, DENY_ON_FIRST_DENY, PERMIT_ON_FIRST_PERMIT;

        static Semantic of(JsonNode options) throws AuthzenRequests.BadRequest {
            if (options.isMissingNode() || options.isNull()) {
                return EXECUTE_ALL;
            }
            if (!options.isObject()) {
                throw new AuthzenRequests.BadRequest("options must be an object");
            }
            JsonNode s = options.path("evaluations_semantic");
            if (s.isMissingNode() || s.isNull()) {
                return EXECUTE_ALL;
            }
            for (Semantic v : values()) {
                if (s.isTextual() && v.name().toLowerCase(Locale.ROOT).equals(s.asText())) {
                    return v;
                }
            }
            throw new AuthzenRequests.BadRequest("options.evaluations_semantic must be execute_all, "
                    + "deny_on_first_deny or permit_on_first_permit, got " + s);
        }

        boolean stopsAt(boolean decision) {
            return (this == DENY_ON_FIRST_DENY && !decision) || (this == PERMIT_ON_FIRST_PERMIT && decision);
        }
    }
}
