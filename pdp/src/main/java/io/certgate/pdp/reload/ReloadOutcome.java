package io.certgate.pdp.reload;

import com.linecorp.armeria.common.annotation.Nullable;

/**
 * One reload attempt of a watched file group.
 *
 * @param owner what the files belong to (a service name)
 * @param file the group's configuration key (e.g. {@code server_cert})
 * @param ok whether the new material is in use
 * @param reason why it was rejected (null when ok)
 */
public record ReloadOutcome(String owner, String file, boolean ok, @Nullable String reason) {}
