package io.certgate.pdp.audit;

import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.config.ConfigNode;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code decision_logs:} (OPA's names).
 *
 * @param console whether each decision is written as a JSON line to stdout
 * @param service the {@code services} entry decisions are uploaded to; null = no upload
 * @param resource the path below the service URL batches are POSTed to
 * @param reporting batching, delays and buffer limits
 * @param mask JSON pointers into the event ({@code /input/...}, {@code /result/...}) erased before writing
 */
public record DecisionLogsConfig(boolean console, @Nullable String service, String resource, Reporting reporting,
        List<String> mask) {

    public static final List<String> DEFAULT_MASK =
            List.of("/input/request/headers/authorization", "/input/request/headers/cookie");

    public DecisionLogsConfig {
        mask = List.copyOf(mask);
    }

    public static DecisionLogsConfig defaults() {
        return new DecisionLogsConfig(true, null, "/logs", Reporting.defaults(), DEFAULT_MASK);
    }

    /** Neither console nor upload: for tools and benchmarks. */
    public static DecisionLogsConfig off() {
        return new DecisionLogsConfig(false, null, "/logs", Reporting.defaults(), DEFAULT_MASK);
    }

    /** Whether decisions are recorded at all. */
    public boolean enabled() {
        return console || service != null;
    }

    /**
     * Parses {@code decision_logs} and the older {@code decision_log: {enabled, mask}} (dotted input
     * paths), which maps to {@code console} and {@code /input/...} pointers. Both at once is an error.
     */
    public static DecisionLogsConfig parse(ConfigNode logs, ConfigNode legacy, boolean legacyPresent,
            boolean logsPresent, Set<String> services) {
        DecisionLogsConfig d = defaults();
        if (legacyPresent && logsPresent) {
            legacy.error("enabled", "decision_log is the older form of decision_logs: move its keys there "
                    + "(enabled -> console, mask -> /input/... pointers)");
        }
        boolean console = legacy.bool("enabled", d.console());
        List<String> legacyMask = legacy.strings("mask").stream().map(MaskRules::fromDottedInputPath).toList();
        legacy.rejectUnknownKeys();

        console = logs.bool("console", console);
        String service = logs.string("service", null);
        if (service != null && !services.contains(service)) {
            logs.error("service", "'" + service + "' is not under services (known: "
                    + (services.isEmpty() ? "none" : String.join(", ", new TreeSet<>(services))) + ")");
            service = null;
        }
        String resource = logs.string("resource", d.resource());
        if (resource != null && !resource.startsWith("/")) {
            resource = "/" + resource;
        }
        Reporting reporting = Reporting.parse(logs.section("reporting"));
        List<String> mask = logs.strings("mask");
        MaskRules.validate(mask, (i, why) -> logs.error("mask[" + i + "]", why));
        logs.rejectUnknownKeys();
        if (mask.isEmpty()) {
            mask = legacyMask.isEmpty() ? d.mask() : legacyMask;
        }
        return new DecisionLogsConfig(console, service, resource, reporting, mask);
    }
}
