package io.certgate.pep.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail: one JSON line per request on the {@code certgate.access} logger. Fields listed
 * in {@code audit.mask} (personal data such as {@code subject_dn}, {@code client_ip}) are written as
 * {@code "***"}.
 */
public final class AccessLog {
    private static final Logger log = LoggerFactory.getLogger("certgate.access");

    private final ObjectMapper json;
    private final Set<String> masked;
    private final boolean enabled;

    public AccessLog(ObjectMapper json, Set<String> masked, boolean enabled) {
        this.json = json;
        this.masked = Set.copyOf(masked);
        this.enabled = enabled;
    }

    /** A line to fill; {@link #write} masks and emits it. */
    public ObjectNode line() {
        return json.createObjectNode();
    }

    public void write(ObjectNode line) {
        if (!enabled || !log.isInfoEnabled()) {
            return;
        }
        for (String field : masked) {
            if (line.has(field) && !line.get(field).isNull()) {
                line.put(field, "***");
            }
        }
        try {
            log.info(json.writeValueAsString(line));
        } catch (JsonProcessingException e) {
            log.warn("cannot write an access-log line: {}", e.getMessage());
        }
    }
}
