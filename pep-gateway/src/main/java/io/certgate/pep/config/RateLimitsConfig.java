package io.certgate.pep.config;

import io.certgate.pdp.config.ConfigNode;
import io.certgate.pep.ratelimit.LimitKey;
import io.certgate.pep.ratelimit.LimitRule;
import io.certgate.pep.ratelimit.Quota;
import io.certgate.pep.ratelimit.ServiceLimits;
import io.certgate.pep.ratelimit.StoreConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Reads the {@code rate_limits:} sections of {@code gateway.yaml}: the store (top level) and each service's limits. */
final class RateLimitsConfig {
    private RateLimitsConfig() {}

    /** The top-level {@code rate_limits:} (where budgets live). */
    static StoreConfig store(ConfigNode n, Path baseDir) {
        StoreConfig d = StoreConfig.local();
        URI url = n.has("store") ? n.url("store", Set.of("redis", "rediss"), "redis://host:6379",
                "must be a redis:// or rediss:// URL with a host") : null;
        String ca = n.string("ca_file", null);
        Path caFile = ca == null ? null : baseDir.resolve(ca).normalize();
        if (caFile != null && !Files.isReadable(caFile)) {
            n.error("ca_file", "file not found or not readable: " + caFile);
        }
        if (caFile != null && url != null && !"rediss".equals(url.getScheme())) {
            n.error("ca_file", "only for a rediss:// (TLS) store");
        }
        String password = n.secret("password", "password_env");
        if (url != null && url.getUserInfo() != null) {
            n.error("store", "put the password in password_env (an environment variable), not in the URL");
        }
        int timeoutMs = n.integer("timeout_ms", (int) d.timeout().toMillis(), 1, 10_000);
        int openMs = n.integer("breaker_open_ms", (int) d.breakerOpen().toMillis(), 10, 600_000);
        n.rejectUnknownKeys();
        if (url == null && (caFile != null || password != null)) {
            n.error("store", "ca_file and password need a store URL");
        }
        return new StoreConfig(url, caFile, password, Duration.ofMillis(timeoutMs), Duration.ofMillis(openMs));
    }

    /** A service's {@code rate_limits:}. */
    static ServiceLimits service(ConfigNode n) {
        boolean reportOnly = "report-only".equals(n.oneOf("mode", "enforce", List.of("enforce", "report-only")));
        ServiceLimits.Fallback fallback = ServiceLimits.Fallback.valueOf(n.oneOf("on_store_unavailable", "local",
                List.of("local", "allow", "deny")).toUpperCase(Locale.ROOT));
        boolean upstreamHeaders = n.bool("upstream_headers", false);
        List<LimitRule> rules = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (ConfigNode l : n.sections("limits")) {
            LimitRule rule = rule(l);
            if (rule != null && !names.add(rule.name())) {
                l.error("name", "duplicate limit name '" + rule.name() + "'");
            }
            if (rule != null) {
                rules.add(rule);
            }
        }
        n.rejectUnknownKeys();
        return new ServiceLimits(rules, reportOnly, fallback, upstreamHeaders);
    }

    private static LimitRule rule(ConfigNode l) {
        String name = l.string("name", null);
        if (name == null || !name.matches("[A-Za-z0-9._-]{1,64}")) {
            l.error("name", "required: 1-64 letters, digits, '.', '_' or '-'");
        }
        LimitKey key = null;
        String expression = l.string("key", null);
        if (expression == null) {
            l.error("key", "required, e.g. cert.sha256, client_ip or client_id+route");
        } else {
            try {
                key = LimitKey.parse(expression);
            } catch (IllegalArgumentException e) {
                l.error("key", e.getMessage());
            }
        }
        if (!l.has("rate")) {
            l.error("rate", "required: requests per period, a positive integer");
        }
        int rate = l.integer("rate", 1, 1, 1_000_000_000);
        Duration period = Duration.ofSeconds(1);
        String periodText = l.string("period", "1s");
        try {
            period = Quota.period(periodText);
        } catch (IllegalArgumentException e) {
            l.error("period", e.getMessage());
        }
        int burst = l.integer("burst", rate, 1, 1_000_000_000);
        Quota quota = null;
        try {
            quota = new Quota(rate, period, burst);
        } catch (IllegalArgumentException e) {
            l.error("period", e.getMessage());
        }
        ConfigNode when = l.section("when");
        RequestCondition condition = new RequestCondition(when.strings("paths"),
                new HashSet<>(when.strings("methods").stream().map(x -> x.toUpperCase(Locale.ROOT)).toList()),
                List.of());
        when.rejectUnknownKeys();
        l.rejectUnknownKeys();
        if (name == null || key == null || quota == null) {
            return null;
        }
        return new LimitRule(name, key, quota, condition);
    }
}
