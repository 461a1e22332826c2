package io.certgate.pep.proxy;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.boundary.DenyReply;
import io.certgate.pep.audit.AccessLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Ends a request for every stage alike: the access-log line, the request counter and error replies. */
final class Outcomes {
    private final String service;
    @Nullable
    private final String template;
    private final AccessLog audit;
    private final MeterRegistry registry;
    /** pep_requests_total by effect, resolved once: every request counts one (no tag lookup per request). */
    private final Map<String, Counter> requests = new ConcurrentHashMap<>();

    Outcomes(String service, @Nullable String template, AccessLog audit, MeterRegistry registry) {
        this.service = service;
        this.template = template;
        this.audit = audit;
        this.registry = registry;
    }

    /** Answers with the gateway's error body (or the service's template) and records a deny. */
    HttpResponse refuse(Exchange e, int status, String code, String message) {
        return finish(e, "deny", status, code, DenyReply.error(template, status, code, message, "")
                .toHttpResponse());
    }

    /** Records how the request ended and returns {@code response}. */
    HttpResponse finish(Exchange e, String effect, int status, @Nullable String code, HttpResponse response) {
        e.line.put("effect", effect);
        if (status > 0) {
            e.line.put("status", status);
        }
        if (code != null) {
            e.line.put("error_code", code);
        }
        e.line.put("latency_us", (System.nanoTime() - e.startNanos) / 1000);
        audit.write(e.line);
        requests.computeIfAbsent(effect, v -> registry.counter("pep_requests_total", "service", service, "effect", v))
                .increment();
        return response;
    }

    @Nullable
    String template() {
        return template;
    }

    String service() {
        return service;
    }

    void count(String name, String tag, String value) {
        registry.counter(name, "service", service, tag, value).increment();
    }

    void count2(String name, String tag, String value, String tag2, String value2) {
        registry.counter(name, "service", service, tag, value, tag2, value2).increment();
    }
}
