package io.certgate.pdp.api.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.certgate.pdp.bundle.BundleManager;
import io.certgate.pdp.bundle.BundleStatus;

/**
 * {@code GET /v1/status}: bundle revision, activation time, last error and counters; and
 * {@code GET /health}: 200 only while a bundle is active, for readiness probes.
 */
public final class StatusService {
    private final BundleManager bundles;
    private final ObjectMapper json;

    public StatusService(BundleManager bundles, ObjectMapper json) {
        this.bundles = bundles;
        this.json = json;
    }

    public HttpService status() {
        return (ctx, req) -> JsonResponses.json(json, HttpStatus.OK, statusJson(bundles.status()));
    }

    public HttpService health() {
        return (ServiceRequestContext ctx, HttpRequest req) -> {
            BundleStatus s = bundles.status();
            ObjectNode body = json.createObjectNode();
            if (s.revision() == null) {
                body.put("status", "no bundle active");
                if (s.lastError() != null) {
                    body.put("last_error", s.lastError());
                }
                return JsonResponses.json(json, HttpStatus.SERVICE_UNAVAILABLE, body);
            }
            body.put("status", "ok").put("revision", s.revision());
            return JsonResponses.json(json, HttpStatus.OK, body);
        };
    }

    private ObjectNode statusJson(BundleStatus s) {
        ObjectNode out = json.createObjectNode();
        ObjectNode b = out.putObject("bundle");
        b.put("source", s.source());
        b.put("revision", s.revision());
        b.put("activated_at", s.activatedAt() == null ? null : s.activatedAt().toString());
        s.entrypoints().forEach(b.putArray("entrypoints")::add);
        b.put("last_error", s.lastError());
        b.put("last_error_at", s.lastErrorAt() == null ? null : s.lastErrorAt().toString());
        b.put("last_error_reason", s.lastErrorReason() == null ? null : s.lastErrorReason().label());
        b.put("activations", s.activations());
        b.put("rejections", s.rejections());
        return out;
    }
}
