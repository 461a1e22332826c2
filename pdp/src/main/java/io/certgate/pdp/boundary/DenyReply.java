package io.certgate.pdp.boundary;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.decision.Challenge;
import io.certgate.pdp.decision.Decision;
import io.certgate.pdp.decision.Effect;
import io.certgate.pdp.decision.HeaderValues;
import io.certgate.pdp.decision.Reason;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the client receives for a deny, a challenge or a refused request, the same from the gateway,
 * forward-auth and ext_authz: the status, a JSON error body ({@code status, error_code, message,
 * decision_id}, or a service's template) and, for a step-up challenge, an RFC 9470
 * {@code WWW-Authenticate} header.
 */
public record DenyReply(int status, Map<String, String> headers, String body) {
    /** The default body; a template may use the same {@code ${…}} placeholders. */
    public static final String DEFAULT_TEMPLATE = "{\"status\":${status},\"error_code\":\"${error_code}\","
            + "\"message\":\"${message}\",\"decision_id\":\"${decision_id}\"}";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{(status|error_code|message|decision_id)}");

    public DenyReply {
        headers = Map.copyOf(headers);
    }

    /** The reply to a deny or challenge, with the default body. */
    public static DenyReply of(Decision d) {
        return of(d, null);
    }

    /** The reply to a deny or challenge; {@code template} null means the default body. */
    public static DenyReply of(Decision d, @Nullable String template) {
        Reason first = d.reasons().isEmpty() ? new Reason("DENIED", "access denied") : d.reasons().get(0);
        int status = d.effect() == Effect.CHALLENGE ? 401 : d.status();
        Map<String, String> headers = baseHeaders();
        headers.put("x-decision-id", d.decisionId());
        Challenge c = d.challenge();
        if (d.effect() == Effect.CHALLENGE && c != null) {
            headers.put("www-authenticate", wwwAuthenticate(c, first.message()));
        }
        return new DenyReply(status, headers, body(template, status, first.code(), first.message(), d.decisionId()));
    }

    /** A reply the product gives itself (no decision, or before one): refused request, PDP down, …. */
    public static DenyReply error(@Nullable String template, int status, String code, String message,
            String decisionId) {
        return new DenyReply(status, baseHeaders(), body(template, status, code, message, decisionId));
    }

    /** The default JSON error body. */
    public static String error(int status, String code, String message, String decisionId) {
        return body(null, status, code, message, decisionId);
    }

    /** {@code Bearer error="insufficient_user_authentication", error_description="…", …} (RFC 9470). */
    public static String wwwAuthenticate(Challenge c, String message) {
        StringBuilder v = new StringBuilder("Bearer error=\"insufficient_user_authentication\"")
                .append(", error_description=\"").append(quoted(message)).append('"');
        if (!c.acrValues().isEmpty()) {
            v.append(", acr_values=\"").append(quoted(c.acrValues())).append('"');
        }
        if (c.maxAgeSeconds() >= 0) {
            v.append(", max_age=").append(c.maxAgeSeconds());
        }
        return v.toString();
    }

    public HttpResponse toHttpResponse() {
        ResponseHeadersBuilder h = ResponseHeaders.builder(HttpStatus.valueOf(status));
        headers.forEach(h::set);
        return HttpResponse.of(h.build(), HttpData.ofUtf8(body));
    }

    private static Map<String, String> baseHeaders() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("content-type", "application/json; charset=utf-8");
        headers.put("cache-control", "no-store");
        return headers;
    }

    private static String body(@Nullable String template, int status, String code, String message,
            String decisionId) {
        // One pass, so a message that contains a placeholder is never expanded itself.
        return PLACEHOLDER.matcher(template == null ? DEFAULT_TEMPLATE : template).replaceAll(m -> Matcher.quoteReplacement(
                switch (m.group(1)) {
                    case "status" -> Integer.toString(status);
                    case "error_code" -> json(code);
                    case "message" -> json(message);
                    default -> json(decisionId);
                }));
    }

    private static String json(String s) {
        return new String(JsonStringEncoder.getInstance().quoteAsString(s));
    }

    private static String quoted(String s) {
        return HeaderValues.sanitize(s).replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
