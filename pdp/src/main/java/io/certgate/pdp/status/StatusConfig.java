package io.certgate.pdp.status;

import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.config.ConfigNode;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code status:} (OPA's names, plus {@code interval_seconds}).
 *
 * @param service the {@code services} entry reports are POSTed to ({@code <url>/status}); null = none
 * @param partitionName appended to the resource ({@code /status/<partition_name>}), as OPA does
 * @param console whether each report is also logged (stderr, logger {@code certgate.status})
 * @param interval how often a report is sent when nothing changes
 */
public record StatusConfig(@Nullable String service, @Nullable String partitionName, boolean console,
        Duration interval) {

    public static StatusConfig off() {
        return new StatusConfig(null, null, false, Duration.ofSeconds(60));
    }

    public boolean enabled() {
        return service != null || console;
    }

    /** The path below the service URL. */
    public String resource() {
        return partitionName == null ? "/status" : "/status/" + partitionName;
    }

    public static StatusConfig parse(ConfigNode s, Set<String> services) {
        String service = s.string("service", null);
        if (service != null && !services.contains(service)) {
            s.error("service", "'" + service + "' is not under services (known: "
                    + (services.isEmpty() ? "none" : String.join(", ", new TreeSet<>(services))) + ")");
            service = null;
        }
        String partition = s.string("partition_name", null);
        if (partition != null && !partition.matches("[A-Za-z0-9._~-]+")) {
            s.error("partition_name", "must be one URL path segment (letters, digits, . _ ~ -), got '"
                    + partition + "'");
            partition = null;
        }
        boolean console = s.bool("console", false);
        int interval = s.integer("interval_seconds", 60, 1, 86_400);
        s.rejectUnknownKeys();
        return new StatusConfig(service, partition, console, Duration.ofSeconds(interval));
    }
}
