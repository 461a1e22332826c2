package io.certgate.pdp.pip;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Device posture from {@code GET {base}/devices/{id}}: a JSON object passed to the policy as is, after
 * checking the types of the fields the reference policy reads (a posture that says
 * {@code "compliant": "yes"} is rejected, not guessed at).
 */
final class PostureProvider {
    private static final Map<String, String> TYPED_FIELDS = Map.of(
            "compliant", "boolean", "managed", "boolean", "disk_encrypted", "boolean", "edr_running", "boolean",
            "os_patch_age_days", "number", "last_seen", "string", "id", "string");

    private final WebClient client;
    private final ObjectMapper json;

    PostureProvider(PostureConfig config, ObjectMapper json) {
        this.json = json;
        this.client = config.endpoint().client(config.resilience().timeout());
    }

    CompletableFuture<DevicePosture> fetch(String deviceId) {
        String path = "/devices/" + URLEncoder.encode(deviceId, StandardCharsets.UTF_8).replace("+", "%20");
        return client.get(path).aggregate().thenApply(r -> parse(r, deviceId));
    }

    private DevicePosture parse(AggregatedHttpResponse r, String deviceId) {
        if (r.status().equals(HttpStatus.NOT_FOUND)) {
            return new DevicePosture(false, json.createObjectNode());
        }
        if (!r.status().equals(HttpStatus.OK)) {
            throw new ProviderException("posture: GET /devices/" + deviceId + " answered " + r.status());
        }
        JsonNode doc;
        try {
            doc = json.readTree(r.contentUtf8());
        } catch (JsonProcessingException e) {
            throw new ProviderException("posture: the answer for device " + deviceId + " is not JSON: "
                    + e.getOriginalMessage());
        }
        if (!(doc instanceof ObjectNode posture)) {
            throw new ProviderException("posture: the answer for device " + deviceId + " is not a JSON object");
        }
        for (Map.Entry<String, String> f : TYPED_FIELDS.entrySet()) {
            JsonNode v = posture.get(f.getKey());
            if (v == null || v.isNull()) {
                continue;
            }
            boolean ok = switch (f.getValue()) {
                case "boolean" -> v.isBoolean();
                case "number" -> v.isNumber() && v.asDouble() >= 0;
                default -> v.isTextual();
            };
            if (!ok) {
                throw new ProviderException("posture: field " + f.getKey() + " of device " + deviceId + " must be a "
                        + (f.getValue().equals("number") ? "non-negative number" : f.getValue()) + ", got " + v);
            }
        }
        if (posture.has("id") && !posture.get("id").asText().equals(deviceId)) {
            throw new ProviderException("posture: asked for device " + deviceId + ", the answer is for "
                    + posture.get("id").asText());
        }
        return new DevicePosture(true, posture);
    }
}
