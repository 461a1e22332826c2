package io.certgate.pdp.api.proxy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import io.certgate.pdp.decision.Challenge;
import io.certgate.pdp.decision.Decision;
import io.certgate.pdp.decision.Effect;
import io.certgate.pdp.decision.HeaderValues;
import io.certgate.pdp.decision.Reason;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a proxy returns to the client for a deny or challenge: the decision's status, the gateway's JSON
 * error body ({@code status, error_code, message, decision_id}) and, for a step-up challenge, an RFC 9470
 * {@code WWW-Authenticate} header — the same answer the certgate gateway gives.
 */
public record DenyReply(int status, Map<String, String> headers, String body) {
    public DenyReply {
        headers = Map.copyOf(headers);
    }

    public static DenyReply of(Decision d, ObjectMapper json) {
        Reason first = d.reasons().isEmpty() ? new Reason("DENIED", "access denied") : d.reasons().get(0);
        int status = d.effect() == Effect.CHALLENGE ? 401 : d.status();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("content-type", "application/json; charset=utf-8");
        headers.put("cache-control", "no-store");
        headers.put("x-decision-id", d.decisionId());
        Challenge c = d.challenge();
        if (d.effect() == Effect.CHALLENGE && c != null) {
            StringBuilder v = new StringBuilder("Bearer error=\"insufficient_user_authentication\"")
                    .append(", error_description=\"").append(quoted(first.message())).append('"');
            if (!c.acrValues().isEmpty()) {
                v.append(", acr_values=\"").append(quoted(c.acrValues())).append('"');
            }
            if (c.maxAgeSeconds() >= 0) {
                v.append(", max_age=").append(c.maxAgeSeconds());
            }
            headers.put("www-authenticate", v.toString());
        }
        return new DenyReply(status, headers, error(json, status, first.code(), first.message(), d.decisionId()));
    }

    /** The gateway's JSON error body. */
    public static String error(ObjectMapper json, int status, String code, String message, String decisionId) {
        try {
            return json.writeValueAsString(json.createObjectNode().put("status", status).put("error_code", code)
                    .put("message", message).put("decision_id", decisionId));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public HttpResponse toHttpResponse() {
        ResponseHeadersBuilder h = ResponseHeaders.builder(HttpStatus.valueOf(status));
        headers.forEach(h::set);
        return HttpResponse.of(h.build(), HttpData.ofUtf8(body));
    }

    private static String quoted(String s) {
        return HeaderValues.sanitize(s).replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
