package io.certgate.pep.ratelimit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What a limit counts by: one or more parts joined with {@code +}, e.g. {@code cert.sha256} or
 * {@code client_id+route}. Parts the policy resolves ({@code client_id}, {@code profile}) are known only
 * after the decision, so a key that uses them is checked after an allow; the others before the decision,
 * where the result reaches the policy as {@code input.limits}.
 */
public final class LimitKey {
    /** One part of a key expression. */
    public enum Part {
        CLIENT_ID("client_id", true),
        PROFILE("profile", true),
        CERT_SHA256("cert.sha256", false),
        SUBJECT("subject", false),
        CLIENT_IP("client_ip", false),
        SERVICE("service", false),
        ROUTE("route", false);

        private final String wireName;
        private final boolean afterDecision;

        Part(String wireName, boolean afterDecision) {
            this.wireName = wireName;
            this.afterDecision = afterDecision;
        }

        public String wireName() {
            return wireName;
        }
    }

    /** Stands for a part the request does not have (no certificate, no client id): they share one bucket. */
    static final String ABSENT = "-";

    private static final Map<String, Part> PARTS = java.util.Arrays.stream(Part.values())
            .collect(Collectors.toUnmodifiableMap(Part::wireName, Function.identity()));

    private final String expression;
    private final List<Part> parts;

    private LimitKey(String expression, List<Part> parts) {
        this.expression = expression;
        this.parts = List.copyOf(parts);
    }

    /**
     * @throws IllegalArgumentException naming the unknown part and the known ones
     */
    public static LimitKey parse(String expression) {
        List<Part> parts = new ArrayList<>();
        for (String token : expression.split("\\+", -1)) {
            Part p = PARTS.get(token.trim());
            if (p == null) {
                throw new IllegalArgumentException("unknown key part '" + token.trim() + "' in '" + expression
                        + "'; known: " + String.join(", ", java.util.Arrays.stream(Part.values())
                        .map(Part::wireName).toList()) + " (joined with +)");
            }
            if (parts.contains(p)) {
                throw new IllegalArgumentException("key part '" + p.wireName() + "' is repeated in '" + expression + "'");
            }
            parts.add(p);
        }
        return new LimitKey(expression.replace(" ", ""), parts);
    }

    public List<Part> parts() {
        return parts;
    }

    /** Whether the key needs what the decision resolves (client id, profile). */
    public boolean afterDecision() {
        return parts.stream().anyMatch(p -> p.afterDecision);
    }

    /** The key's value for one request; {@code value} returns null for a part the request lacks. */
    public String render(Function<Part, String> value) {
        StringBuilder out = new StringBuilder();
        for (Part p : parts) {
            if (!out.isEmpty()) {
                out.append('|');
            }
            String v = value.apply(p);
            out.append(v == null || v.isEmpty() ? ABSENT : v);
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return expression;
    }
}
