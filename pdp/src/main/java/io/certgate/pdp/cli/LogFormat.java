package io.certgate.pdp.cli;

import com.linecorp.armeria.common.annotation.Nullable;
import java.util.Map;

/**
 * {@code CERTGATE_LOG_FORMAT}: {@code text} (default) or {@code json}, selecting the stderr appender
 * in {@code logback.xml}. Checked before anything logs, because logback would silently drop every
 * operational log line for an unknown value.
 */
public final class LogFormat {
    public static final String VARIABLE = "CERTGATE_LOG_FORMAT";

    private LogFormat() {}

    /** Null when the environment is fine, else the message to print before exiting with code 2. */
    @Nullable
    public static String problem(Map<String, String> env) {
        String value = env.get(VARIABLE);
        if (value == null || value.equals("text") || value.equals("json")) {
            return null;
        }
        return VARIABLE + "='" + value + "' is not a log format: use 'text' (the default) or 'json'";
    }
}
