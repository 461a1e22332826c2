package io.certgate.pdp.pip;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import java.util.concurrent.CompletableFuture;

/**
 * API keys from {@code GET {base}/api-keys/{sha256}}: 200 with {@code {"client_id": …, "key_id": …}} for a
 * registered key (other fields are ignored; a {@code sha256} field, when present, must be the one asked
 * for), 404 for an unknown one. Anything else is a failure, never a guess. Messages name the key by the
 * first 8 hex digits of its digest only.
 */
final class ApiKeyProvider {
    private final WebClient client;
    private final ObjectMapper json;

    ApiKeyProvider(ApiKeysConfig config, ObjectMapper json) {
        this.json = json;
        this.client = config.endpoint().client(config.resilience().timeout());
    }

    /** @param sha256 the key's digest, 64 lowercase hex digits (checked by the caller) */
    CompletableFuture<ApiKeyIdentity> fetch(String sha256) {
        return client.get("/api-keys/" + sha256).aggregate().thenApply(r -> parse(r, sha256));
    }

    private ApiKeyIdentity parse(AggregatedHttpResponse r, String sha256) {
        String which = "key sha256:" + sha256.substring(0, 8) + "…";
        if (r.status().equals(HttpStatus.NOT_FOUND)) {
            return ApiKeyIdentity.UNKNOWN;
        }
        if (!r.status().equals(HttpStatus.OK)) {
            throw new ProviderException("api_keys: GET /api-keys/{sha256} for " + which + " answered " + r.status());
        }
        JsonNode doc;
        try {
            doc = json.readTree(r.contentUtf8());
        } catch (JsonProcessingException e) {
            throw new ProviderException("api_keys: the answer for " + which + " is not JSON: "
                    + e.getOriginalMessage());
        }
        if (doc == null || !doc.isObject()) {
            throw new ProviderException("api_keys: the answer for " + which + " is not a JSON object");
        }
        String clientId = requiredString(doc, "client_id", which);
        String keyId = requiredString(doc, "key_id", which);
        JsonNode echoed = doc.get("sha256");
        if (echoed != null && !echoed.isNull() && !sha256.equalsIgnoreCase(echoed.asText())) {
            throw new ProviderException("api_keys: asked for " + which + ", the answer is for another key");
        }
        return new ApiKeyIdentity(true, clientId, keyId);
    }

    private static String requiredString(JsonNode doc, String field, String which) {
        JsonNode v = doc.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new ProviderException("api_keys: field " + field + " of the answer for " + which
                    + " must be a non-empty string, got " + (v == null ? "nothing" : v.toString()));
        }
        return v.asText();
    }
}
