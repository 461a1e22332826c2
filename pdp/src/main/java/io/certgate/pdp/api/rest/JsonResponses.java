package io.certgate.pdp.api.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;

/** JSON bodies and OPA-shaped errors ({@code {"code": …, "message": …}}). */
final class JsonResponses {
    private JsonResponses() {}

    static HttpResponse json(ObjectMapper json, HttpStatus status, JsonNode body) {
        try {
            return HttpResponse.of(status, MediaType.JSON_UTF_8, json.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            return error(json, HttpStatus.INTERNAL_SERVER_ERROR, "internal_error", "cannot encode the response");
        }
    }

    static HttpResponse error(ObjectMapper json, HttpStatus status, String code, String message) {
        return json(json, status, json.createObjectNode().put("code", code).put("message", message));
    }
}
