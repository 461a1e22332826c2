package io.certgate.pep.pdp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.decision.Decision;
import io.certgate.pdp.decision.Effect;
import io.certgate.pdp.input.PresentedCertificate;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;

/**
 * Caches remote decisions for their {@code ttl_seconds}, keyed by everything the PDP saw: the input
 * (without {@code time}, which the PDP sets) and the certificate chain with its verification result.
 * Challenges and TTL-0 decisions are never cached; PDP failures are never cached.
 */
public final class CachingDecisionClient implements DecisionClient {
    private final DecisionClient delegate;
    private final ObjectMapper canonical = JsonMapper.builder().enable(JsonNodeFeature.WRITE_PROPERTIES_SORTED).build();
    private final Cache<String, Decision> cache;

    public CachingDecisionClient(DecisionClient delegate, long maxEntries, MeterRegistry registry) {
        this.delegate = delegate;
        this.cache = Caffeine.newBuilder()
                .maximumSize(maxEntries)
                .expireAfter(Expiry.<String, Decision>creating((k, d) -> Duration.ofSeconds(d.ttlSeconds())))
                .recordStats()
                .build();
        CaffeineCacheMetrics.monitor(registry, cache, "gateway_decision");
    }

    @Override
    public CompletableFuture<Decision> decide(ObjectNode input, @Nullable PresentedCertificate certificate) {
        String key = key(input, certificate);
        Decision hit = key == null ? null : cache.getIfPresent(key);
        if (hit != null) {
            return CompletableFuture.completedFuture(hit);
        }
        return delegate.decide(input, certificate).thenApply(d -> {
            if (key != null && d.ttlSeconds() > 0 && d.effect() != Effect.CHALLENGE) {
                cache.put(key, d);
            }
            return d;
        });
    }

    @Nullable
    private String key(ObjectNode input, @Nullable PresentedCertificate cert) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            JsonNode time = input.remove("time");
            // limits.remaining changes with every request: keyed by it, no decision would ever be reused
            JsonNode limits = input.path("limits");
            JsonNode remaining = limits instanceof ObjectNode l ? l.remove("remaining") : null;
            try {
                md.update(canonical.writeValueAsBytes(input));
            } finally {
                if (time != null) {
                    input.set("time", time);
                }
                if (remaining != null) {
                    ((ObjectNode) limits).set("remaining", remaining);
                }
            }
            if (cert != null) {
                md.update((byte) (cert.verified() ? 1 : 0));
                md.update(Integer.toString(cert.verifyCode()).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                for (byte[] der : cert.chainDer()) {
                    md.update(der);
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            return null;
        }
    }

    @Override
    public String describe() {
        return delegate.describe() + " (cached)";
    }

    @Override
    public void close() {
        delegate.close();
    }
}
