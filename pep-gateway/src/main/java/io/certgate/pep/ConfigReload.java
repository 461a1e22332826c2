package io.certgate.pep;

import java.util.List;

/**
 * The outcome of a configuration reload: applied (with what changed) or rejected (with every reason, located
 * like {@code config check}'s, and nothing changed).
 *
 * @param applied whether the new configuration is being served
 * @param errors why it was rejected (empty when applied)
 * @param added services that were not there before
 * @param changed services whose settings changed (rebuilt)
 * @param removed services no longer served (their names now answer 421)
 */
public record ConfigReload(boolean applied, List<String> errors, List<String> added, List<String> changed,
        List<String> removed) {
    public ConfigReload {
        errors = List.copyOf(errors);
        added = List.copyOf(added);
        changed = List.copyOf(changed);
        removed = List.copyOf(removed);
    }

    static ConfigReload rejected(List<String> errors) {
        return new ConfigReload(false, errors, List.of(), List.of(), List.of());
    }

    /** One line for the log. */
    public String summary() {
        return applied ? "added " + added + ", changed " + changed + ", removed " + removed
                : "rejected, nothing changed: " + String.join("; ", errors);
    }
}
