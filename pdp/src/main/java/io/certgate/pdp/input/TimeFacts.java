package io.certgate.pdp.input;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Collection;
import java.util.Locale;

/**
 * The {@code input.time} object: the instant of the decision in the PDP's timezone, plus local
 * weekday/hour/minute in every zone the policy data names, so time windows need no time builtins
 * and a decision replays exactly from its logged input.
 */
public final class TimeFacts {
    private final Clock clock;
    private final ZoneId zone;

    public TimeFacts(Clock clock, ZoneId zone) {
        this.clock = clock;
        this.zone = zone;
    }

    public Instant now() {
        return clock.instant();
    }

    public ZoneId zone() {
        return zone;
    }

    /** {@code input.time} for {@code now}, with {@code zones} precomputed. */
    public ObjectNode at(Instant now, Collection<ZoneId> zones) {
        ZonedDateTime local = now.atZone(zone);
        ObjectNode t = JsonNodeFactory.instance.objectNode();
        t.put("now", local.toOffsetDateTime().toString());
        t.put("epoch_ms", now.toEpochMilli());
        t.put("timezone", zone.getId());
        putLocal(t, local);
        if (!zones.isEmpty()) {
            ObjectNode z = t.putObject("zones");
            for (ZoneId id : zones) {
                putLocal(z.putObject(id.getId()), now.atZone(id));
            }
        }
        return t;
    }

    private static void putLocal(ObjectNode t, ZonedDateTime local) {
        t.put("weekday", local.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
        t.put("hour", local.getHour());
        t.put("minute", local.getMinute());
    }
}
