package io.certgate.pdp.pip;

import java.util.List;

/**
 * A directory's answer for one subject: whether the subject exists there, and its groups (empty when
 * it does not: an unknown subject is a member of nothing, which fails closed wherever a group is required).
 */
public record SubjectGroups(boolean found, List<String> groups) {
    public SubjectGroups {
        groups = List.copyOf(groups);
    }

    static SubjectGroups notFound() {
        return new SubjectGroups(false, List.of());
    }
}
