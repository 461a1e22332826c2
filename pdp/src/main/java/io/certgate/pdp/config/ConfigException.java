package io.certgate.pdp.config;

import java.util.List;

/** A configuration file has errors; {@link #errors()} lists each with its location. */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;
    private final List<String> errors;

    public ConfigException(String file, List<String> errors) {
        super(file + " has " + errors.size() + " error(s):\n  " + String.join("\n  ", errors));
        this.errors = List.copyOf(errors);
    }

    public List<String> errors() {
        return errors;
    }
}
