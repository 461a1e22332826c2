package io.certgate.pdp.boundary;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;

/**
 * Fuzzes {@link RequestCanonicalizer} with raw request targets (bytes as ISO-8859-1, as they come off the
 * wire), strict and with every switch on.
 *
 * <p>Properties: only {@link RejectedRequestException} escapes; the canonical form is idempotent, starts with
 * {@code /}, has no empty, dot or control characters; and no input makes an allow out of a deny: however
 * an upstream reads the canonical path (percent-decoding once, {@code \} and {@code ;} as separators or
 * parameters, dot segments resolved, slashes merged, case folded), a path the policy sees outside
 * {@code /admin} is outside {@code /admin} for that upstream too.
 */
class RequestCanonicalizerFuzzTest {
    private static final List<PathRules> RULES = List.of(PathRules.strict(), new PathRules(true, true, true, false),
            new PathRules(false, false, false, true));

    @FuzzTest
    void canonicalize(byte[] target) throws Exception {
        String raw = new String(target, StandardCharsets.ISO_8859_1);
        for (PathRules rules : RULES) {
            RequestCanonicalizer c = new RequestCanonicalizer(rules);
            CanonicalRequest r;
            try {
                r = c.canonicalize("GET", raw, "app.test", List.of());
            } catch (RejectedRequestException e) {
                assertThat(e.code()).isIn(RequestCanonicalizer.BAD_PATH, RequestCanonicalizer.BAD_HOST);
                assertThat(e.getMessage()).isNotBlank();
                continue;
            }
            String path = r.path();
            assertThat(c.canonicalize("GET", r.target(), "app.test", List.of()).path()).as("idempotent")
                    .isEqualTo(path);
            assertThat(path).startsWith("/").doesNotContain("//");
            assertThat(path.chars()).allMatch(ch -> ch > 0x20 && ch < 0x7f);
            boolean policySeesAdmin = under(path.toLowerCase(Locale.ROOT), "/admin");
            boolean upstreamSeesAdmin = under(upstreamReading(path, rules), "/admin");
            assertThat(!upstreamSeesAdmin || policySeesAdmin)
                    .as("'%s' is /admin for an upstream but not for the policy ('%s')", raw, path).isTrue();
        }
    }

    private static boolean under(String path, String prefix) {
        return path.equals(prefix) || path.startsWith(prefix + "/");
    }

    /**
     * The most permissive reading an upstream may give a path. A construct a service allows is read as data,
     * as that is what allowing it promises (the upstream does not split on {@code %2F}, {@code \} or
     * {@code ;}).
     */
    static String upstreamReading(String path, PathRules rules) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            boolean allowedEscape = path.startsWith("%2F", i) && rules.allowEncodedSlash()
                    || path.startsWith("%5C", i) && rules.allowBackslash()
                    || path.startsWith("%3B", i) && rules.allowSemicolon();
            if (allowedEscape) {
                bytes.write('_');
                i += 2;
            } else if (c == ';' && rules.allowSemicolon()) {
                bytes.write('_');
            } else if (c == '%' && i + 2 < path.length()) {
                bytes.write(Integer.parseInt(path.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                bytes.write(c);
            }
        }
        String decoded = bytes.toString(StandardCharsets.UTF_8).replace('\\', '/').toLowerCase(Locale.ROOT);
        Deque<String> segments = new ArrayDeque<>();
        for (String segment : decoded.split("/")) {
            int params = segment.indexOf(';');
            String name = params < 0 ? segment : segment.substring(0, params); // Tomcat's path parameters
            if (name.equals("..")) {
                segments.pollLast();
                continue;
            }
            name = name.replaceAll("[. ]+$", ""); // Windows drops trailing dots and spaces
            if (!name.isEmpty()) {
                segments.addLast(name);
            }
        }
        return "/" + String.join("/", segments);
    }
}
