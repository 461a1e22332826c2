package io.certgate.pep.proxy;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.decision.Challenge;
import io.certgate.pdp.decision.HeaderValues;

/**
 * The gateway's own responses: a JSON body {@code {status, error_code, message, decision_id}} (or the
 * service's template), and RFC 9470 step-up challenges.
 */
final class ErrorResponses {
    static final String DEFAULT_TEMPLATE =
            "{\"status\":${status},\"error_code\":\"${error_code}\",\"message\":\"${message}\",\"decision_id\":\"${decision_id}\"}";

    private final String template;

    ErrorResponses(@Nullable String template) {
        this.template = template == null ? DEFAULT_TEMPLATE : template;
    }

    HttpResponse error(int status, String code, String message, String decisionId) {
        return HttpResponse.of(headers(status).build(), HttpData.ofUtf8(
                render(status, code, message, decisionId)));
    }

    /** 401 with {@code WWW-Authenticate: Bearer error="insufficient_user_authentication", …} (RFC 9470). */
    HttpResponse challenge(Challenge c, String code, String message, String decisionId) {
        StringBuilder v = new StringBuilder("Bearer error=\"insufficient_user_authentication\"")
                .append(", error_description=\"").append(quoted(message)).append('"');
        if (!c.acrValues().isEmpty()) {
            v.append(", acr_values=\"").append(quoted(c.acrValues())).append('"');
        }
        if (c.maxAgeSeconds() >= 0) {
            v.append(", max_age=").append(c.maxAgeSeconds());
        }
        return HttpResponse.of(headers(401).set(HttpHeaderNames.WWW_AUTHENTICATE, v.toString()).build(),
                HttpData.ofUtf8(render(401, code, message, decisionId)));
    }

    private static ResponseHeadersBuilder headers(int status) {
        return ResponseHeaders.builder(HttpStatus.valueOf(status)).contentType(MediaType.JSON_UTF_8)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    }

    private String render(int status, String code, String message, String decisionId) {
        return template.replace("${status}", Integer.toString(status))
                .replace("${error_code}", json(code))
                .replace("${message}", json(message))
                .replace("${decision_id}", json(decisionId));
    }

    private static String json(String s) {
        return new String(JsonStringEncoder.getInstance().quoteAsString(s));
    }

    private static String quoted(String s) {
        return HeaderValues.sanitize(s).replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
