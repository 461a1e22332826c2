package io.certgate.pep.config;

import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.boundary.CanonicalRequest;
import io.certgate.pdp.boundary.HeaderPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * When a service's policy applies: every non-empty part must match (path globs, methods, headers); an
 * empty condition always applies. Globs: {@code *} within a path segment, {@code **} across them.
 *
 * <p>A request is exempted from the decision only when it unambiguously falls outside the condition, so
 * a spelling can never skip the policy: globs are matched against the canonical path ignoring case,
 * methods ignoring case, and a header condition whose header is missing, sent more than once (in any
 * spelling of its name) or differs only in case is treated as matching.
 */
public final class RequestCondition {
    private final List<String> paths;
    private final List<Pattern> globs;
    private final Set<String> methods;
    private final List<HeaderMatch> headers;

    public RequestCondition(List<String> paths, Set<String> methods, List<HeaderMatch> headers) {
        this.paths = List.copyOf(paths);
        this.globs = paths.stream().map(RequestCondition::glob).toList();
        this.methods = Set.copyOf(methods.stream().map(m -> m.toUpperCase(Locale.ROOT)).toList());
        this.headers = List.copyOf(headers);
    }

    public List<String> paths() {
        return paths;
    }

    public Set<String> methods() {
        return methods;
    }

    public List<HeaderMatch> headers() {
        return headers;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RequestCondition c && c.paths.equals(paths) && c.methods.equals(methods)
                && c.headers.equals(headers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(paths, methods, headers);
    }

    @Override
    public String toString() {
        return "RequestCondition[paths=" + paths + ", methods=" + methods + ", headers=" + headers + ']';
    }

    /** Whether the policy applies to this request. */
    public boolean matches(CanonicalRequest request, RequestHeaders req, HeaderPolicy policy) {
        if (!methods.isEmpty() && !methods.contains(request.method().toUpperCase(Locale.ROOT))) {
            return false;
        }
        if (!paths.isEmpty() && globs.stream().noneMatch(g -> g.matcher(request.path()).matches())) {
            return false;
        }
        for (HeaderMatch h : headers) {
            List<String> values = values(req, h.name(), policy);
            if (values.size() == 1 && !h.matches(values.get(0))) {
                return false;
            }
        }
        return true;
    }

    /** The first path glob that matches the canonical path, or null (also when there are none). */
    @Nullable
    public String matchingPath(String path) {
        for (int i = 0; i < globs.size(); i++) {
            if (globs.get(i).matcher(path).matches()) {
                return paths.get(i);
            }
        }
        return null;
    }

    /** The values of the header in every spelling the upstream will receive (and read as one). */
    private static List<String> values(RequestHeaders req, String name, HeaderPolicy policy) {
        String wanted = HeaderPolicy.canonicalName(name);
        List<String> out = new ArrayList<>();
        req.forEach((n, v) -> {
            if (HeaderPolicy.canonicalName(n.toString()).equals(wanted) && policy.fromClient(n.toString())) {
                out.add(v);
            }
        });
        return out;
    }

    static Pattern glob(String glob) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*') {
                if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                    re.append(".*");
                    i++;
                } else {
                    re.append("[^/]*");
                }
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString(), Pattern.CASE_INSENSITIVE);
    }
}
