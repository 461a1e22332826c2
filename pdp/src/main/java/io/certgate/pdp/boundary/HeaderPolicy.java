package io.certgate.pdp.boundary;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Which request headers cross the trust boundary. Allow-list first: a header a client sent reaches the
 * policy or the upstream only if it is not a trust header (one a proxy or the product sets to assert
 * identity, client address or a verdict) and not an obligation name a policy may set. Names are compared
 * after case folding and {@code _}→{@code -}, because CGI, WSGI and PHP upstreams read {@code X_SSL_CN}
 * and {@code X-SSL-CN} as the same variable; names with {@code _} are dropped entirely unless a service
 * allows them (as nginx does by default).
 */
public final class HeaderPolicy {
    /** Obligation header names a policy may set unless configured otherwise. */
    public static final List<String> DEFAULT_OBLIGATIONS = List.of("x-authenticated-*", "x-client-id",
            "x-profile-id", "x-user-id", "x-roles", "x-groups");

    /** Trust headers that proxies (this product, nginx, Envoy, Traefik, IIS ARR, AWS ALB, …) set. */
    static final Set<String> TRUST_HEADERS = Set.of("forwarded", "x-real-ip", "x-client-cert",
            "x-client-verify", "ssl-client-cert", "ssl-client-verify", "x-arr-clientcert", "x-authz-fallback",
            "x-decision-id", "x-remote-user", "remote-user", "client-cert", "client-cert-chain");
    /** Prefixes of trust headers; {@code x-forwarded-*} covers XFCC, Traefik and the gateway's own. */
    static final List<String> TRUST_PREFIXES = List.of("x-ssl-", "x-certgate-", "x-forwarded-", "x-original-",
            "x-auth-request-", "x-amzn-mtls-", "x-envoy-");
    /** Connection-specific headers (RFC 9110 section 7.6.1) that a proxy never forwards. */
    static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection", "te", "trailer",
            "transfer-encoding", "upgrade", "proxy-authorization", "proxy-authenticate");

    private static final HeaderPolicy DEFAULTS = new HeaderPolicy(false, DEFAULT_OBLIGATIONS);

    private final boolean allowUnderscores;
    private final List<String> obligationPatterns;

    private HeaderPolicy(boolean allowUnderscores, List<String> obligationPatterns) {
        this.allowUnderscores = allowUnderscores;
        this.obligationPatterns = List.copyOf(obligationPatterns);
    }

    /** Underscores dropped, {@link #DEFAULT_OBLIGATIONS}. */
    public static HeaderPolicy defaults() {
        return DEFAULTS;
    }

    /**
     * @param allowUnderscores keep client headers with {@code _} in the name (reserved names are still
     *     stripped in every spelling)
     * @param obligationPatterns lower-case names, or prefixes ending in {@code *}, a decision may set
     * @throws IllegalArgumentException if a pattern is not a header name or names a trust header
     */
    public static HeaderPolicy of(boolean allowUnderscores, List<String> obligationPatterns) {
        for (String p : obligationPatterns) {
            String name = p.endsWith("*") ? p.substring(0, p.length() - 1) : p;
            if (name.isEmpty() || !name.equals(canonicalName(name)) || !name.chars().allMatch(c -> c == '-'
                    || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') || name.indexOf('*') >= 0) {
                throw new IllegalArgumentException("'" + p + "' is not a lower-case header name or prefix*"
                        + " (letters, digits and '-')");
            }
            if (isTrustHeader(name) || HOP_BY_HOP.contains(name) || p.endsWith("*") && trustPrefixOverlap(name)) {
                throw new IllegalArgumentException("'" + p + "' would let a policy set a header that carries "
                        + "proxy trust (x-ssl-*, x-forwarded-*, forwarded, x-real-ip, …)");
            }
        }
        return new HeaderPolicy(allowUnderscores, obligationPatterns);
    }

    /** A header name for comparisons: lower case, {@code _} read as {@code -}. */
    public static String canonicalName(String name) {
        return name.toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Whether a client's header may pass on to the policy input or the upstream. */
    public boolean fromClient(String name) {
        if (name.isEmpty() || name.charAt(0) == ':') {
            return false;
        }
        if (!allowUnderscores && name.indexOf('_') >= 0) {
            return false;
        }
        String n = canonicalName(name);
        return !HOP_BY_HOP.contains(n) && !n.equals("host") && !isReserved(n);
    }

    /** Whether the name (any case or spelling) is a trust header or an obligation name. */
    public boolean isReserved(String name) {
        String n = canonicalName(name);
        return isTrustHeader(n) || matchesObligation(n);
    }

    /** Whether a decision may set this header. */
    public boolean obligationAllowed(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return name.indexOf('_') < 0 && !isTrustHeader(n) && !HOP_BY_HOP.contains(n) && matchesObligation(n);
    }

    /**
     * The decision's obligation headers this policy lets through; each refused name is passed to
     * {@code refused} (to log and count), the decision itself stands.
     */
    public Map<String, String> obligations(Map<String, String> decided, Consumer<String> refused) {
        Map<String, String> out = new LinkedHashMap<>();
        decided.forEach((name, value) -> {
            if (obligationAllowed(name)) {
                out.put(name.toLowerCase(Locale.ROOT), value);
            } else {
                refused.accept(name);
            }
        });
        return out;
    }

    /**
     * Trust and obligation header names that are known exactly (not by prefix): what a proxy should remove
     * even when it did not show the request's headers (Envoy's {@code allowed_headers}).
     */
    public List<String> exactReservedNames() {
        List<String> out = new ArrayList<>(TRUST_HEADERS);
        obligationPatterns.stream().filter(p -> !p.endsWith("*")).forEach(out::add);
        out.sort(null);
        return out;
    }

    /** The names among {@code clientHeaders} a proxy must remove before the request goes upstream. */
    public List<String> toRemove(Iterable<String> clientHeaders) {
        List<String> out = new ArrayList<>();
        for (String name : clientHeaders) {
            if (!name.isEmpty() && name.charAt(0) != ':' && !name.equalsIgnoreCase("host") && !fromClient(name)) {
                out.add(name);
            }
        }
        return out;
    }

    private boolean matchesObligation(String canonical) {
        for (String p : obligationPatterns) {
            if (p.endsWith("*") ? canonical.startsWith(p.substring(0, p.length() - 1)) : canonical.equals(p)) {
                return true;
            }
        }
        return false;
    }

    static boolean isTrustHeader(String canonical) {
        if (TRUST_HEADERS.contains(canonical)) {
            return true;
        }
        for (String prefix : TRUST_PREFIXES) {
            if (canonical.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static boolean trustPrefixOverlap(String prefix) {
        // Individual trust headers under a prefix (x-client-ip under x-client-*) stay refused one by one.
        return TRUST_PREFIXES.stream().anyMatch(t -> t.startsWith(prefix));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HeaderPolicy p && p.allowUnderscores == allowUnderscores
                && p.obligationPatterns.equals(obligationPatterns);
    }

    @Override
    public int hashCode() {
        return Objects.hash(allowUnderscores, obligationPatterns);
    }

    @Override
    public String toString() {
        return "HeaderPolicy{allowUnderscores=" + allowUnderscores + ", obligations=" + obligationPatterns + '}';
    }
}
