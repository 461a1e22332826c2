package io.certgate.pep.config;

import com.linecorp.armeria.common.RequestHeaders;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * When a service's policy applies: every non-empty part must match (path globs, methods, headers).
 * An empty condition always applies. Globs: {@code *} within a path segment, {@code **} across them.
 */
public record RequestCondition(List<String> paths, Set<String> methods, List<HeaderMatch> headers) {
    public RequestCondition {
        paths = List.copyOf(paths);
        methods = Set.copyOf(methods);
        headers = List.copyOf(headers);
    }

    public static RequestCondition always() {
        return new RequestCondition(List.of(), Set.of(), List.of());
    }

    public boolean matches(RequestHeaders req, String path) {
        if (!methods.isEmpty() && !methods.contains(req.method().name())) {
            return false;
        }
        if (!paths.isEmpty() && paths.stream().noneMatch(g -> glob(g).matcher(path).matches())) {
            return false;
        }
        for (HeaderMatch h : headers) {
            if (!h.matches(req.get(h.name().toLowerCase(Locale.ROOT)))) {
                return false;
            }
        }
        return true;
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
        return Pattern.compile(re.toString());
    }
}
