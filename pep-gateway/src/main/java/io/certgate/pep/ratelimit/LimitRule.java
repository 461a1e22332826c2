package io.certgate.pep.ratelimit;

import io.certgate.pep.config.RequestCondition;

/**
 * One limit of a service's {@code rate_limits.limits}: its name (in headers, logs and metrics), what it
 * counts by, how much, and the requests it applies to ({@code when}: methods and path globs; the
 * matching glob is the {@code route} key part).
 */
public record LimitRule(String name, LimitKey key, Quota quota, RequestCondition when) {}
