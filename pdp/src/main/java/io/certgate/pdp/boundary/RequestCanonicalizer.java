package io.certgate.pdp.boundary;

import com.linecorp.armeria.common.annotation.Nullable;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * Turns what a client (or a proxy on its behalf) sent into the one {@link CanonicalRequest} that every
 * consumer sees. Ambiguity is refused rather than guessed: upstreams disagree on encoded slashes,
 * backslashes, path parameters, dot segments and double encoding, so a policy decision about one reading
 * would not hold for another.
 *
 * <p>Path rules, in order: origin-form only ({@code /…}, no fragment); percent-encoded unreserved
 * characters ({@code A-Z a-z 0-9 - . _ ~}) are decoded, every other escape is kept with upper-case hex;
 * encoded or literal control characters and NUL, malformed escapes, double encoding ({@code %25} followed
 * by two hex digits) and invalid or overlong UTF-8 are refused; {@code %2F}, {@code \ %5C} and
 * {@code ; %3B} are refused unless {@link PathRules} allows them; repeated slashes are merged; {@code .}
 * and {@code ..} segments and segments ending in {@code .} are refused (after decoding). Paths are
 * case-sensitive unless {@link PathRules#lowercase()}. The query is validated but not rewritten.
 *
 * <p>Canonicalization is idempotent: the canonical form canonicalizes to itself.
 */
public final class RequestCanonicalizer {
    public static final String BAD_PATH = "BAD_PATH";
    public static final String BAD_HOST = "BAD_HOST";
    public static final String BAD_METHOD = "BAD_METHOD";

    private static final String HEX = "0123456789ABCDEF";
    private static final String SUB_DELIMS_AND_PCHAR = "!$&'()*+,=:@";

    private final PathRules rules;

    public RequestCanonicalizer(PathRules rules) {
        this.rules = rules;
    }

    /**
     * @param method the request method as received
     * @param rawTarget the request target as received ({@code /path?query}), not decoded
     * @param authority the HTTP/2 {@code :authority} (or the proxy's forwarded host), null when absent
     * @param hostHeaders every {@code Host} header value of the request
     */
    public CanonicalRequest canonicalize(String method, String rawTarget, @Nullable String authority,
            List<String> hostHeaders) throws RejectedRequestException {
        String m = method(method);
        if (rawTarget.indexOf('#') >= 0) {
            throw new RejectedRequestException(BAD_PATH, "the request target has a fragment ('#'); send it without");
        }
        int q = rawTarget.indexOf('?');
        String path = path(q < 0 ? rawTarget : rawTarget.substring(0, q));
        String query = q < 0 ? null : query(rawTarget.substring(q + 1));
        String checkedAuthority = authority(authority, hostHeaders);
        return new CanonicalRequest(m, path, query, checkedAuthority == null ? null : host(checkedAuthority),
                checkedAuthority);
    }

    /** The method: an upper-case token (methods are case-sensitive; {@code get} is not {@code GET}). */
    static String method(String method) throws RejectedRequestException {
        if (method.isEmpty() || method.length() > 32) {
            throw new RejectedRequestException(BAD_METHOD, "the request method must be 1 to 32 characters");
        }
        for (int i = 0; i < method.length(); i++) {
            char c = method.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c == '-' || c == '_' || c >= '0' && c <= '9' && i > 0)) {
                throw new RejectedRequestException(BAD_METHOD, "the request method '" + printable(method)
                        + "' is not an upper-case HTTP method token");
            }
        }
        return method;
    }

    /** The canonical path; see the class comment for the rules. */
    public String path(String raw) throws RejectedRequestException {
        if (raw.isEmpty() || raw.charAt(0) != '/') {
            throw new RejectedRequestException(BAD_PATH, "the request path must start with '/' (origin form), got '"
                    + printable(raw) + "'");
        }
        StringBuilder out = new StringBuilder(raw.length());
        int i = 0;
        while (i < raw.length()) {
            char c = raw.charAt(i);
            if (c == '%') {
                int b = escapedByte(raw, i);
                if (b >= 0x80) {
                    i = utf8(raw, i, out);
                    continue;
                }
                i += 3;
                if (unreserved(b)) {
                    append(out, (char) b);
                } else if (b < 0x20 || b == 0x7f) {
                    throw reject("an encoded control character (%" + hex(b) + ")");
                } else if (b == '/') {
                    allowOrReject(rules.allowEncodedSlash(), "an encoded slash (%2F)", "path.allow_encoded_slash");
                    out.append("%2F");
                } else if (b == '\\') {
                    allowOrReject(rules.allowBackslash(), "an encoded backslash (%5C)", "path.allow_backslash");
                    out.append("%5C");
                } else if (b == ';') {
                    allowOrReject(rules.allowSemicolon(), "an encoded semicolon (%3B)", "path.allow_semicolon");
                    out.append("%3B");
                } else {
                    out.append('%').append(hex(b));
                }
            } else if (c == '\\') {
                allowOrReject(rules.allowBackslash(), "a backslash", "path.allow_backslash");
                out.append("%5C");
                i++;
            } else if (c == ';') {
                allowOrReject(rules.allowSemicolon(), "a semicolon (path parameter)", "path.allow_semicolon");
                out.append(';');
                i++;
            } else if (c == '/') {
                if (out.length() == 0 || out.charAt(out.length() - 1) != '/') {
                    out.append('/');
                }
                i++;
            } else if (c < 0x80 && (unreserved(c) || SUB_DELIMS_AND_PCHAR.indexOf(c) >= 0)) {
                append(out, c);
                i++;
            } else {
                throw reject(c < 0x20 || c == 0x7f ? "a control character (0x" + hex(c) + ")"
                        : "the character '" + (c < 0x80 ? String.valueOf(c) : "\\u" + Integer.toHexString(c))
                                + "', which must be percent-encoded");
            }
        }
        String path = out.toString();
        checkSegments(path);
        int pct = path.indexOf("%25");
        while (pct >= 0) {
            if (pct + 4 < path.length() && isHex(path.charAt(pct + 3)) && isHex(path.charAt(pct + 4))) {
                throw reject("double percent-encoding (" + path.substring(pct, pct + 5) + ")");
            }
            pct = path.indexOf("%25", pct + 3);
        }
        return path;
    }

    private void append(StringBuilder out, char c) {
        out.append(rules.lowercase() && c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
    }

    private static void checkSegments(String path) throws RejectedRequestException {
        // An allowed %2F or %5C still separates segments for an upstream that decodes it.
        path = path.replace("%2F", "/").replace("%5C", "/");
        int start = 1;
        while (start <= path.length()) {
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = path.length();
            }
            String segment = path.substring(start, end);
            int params = segment.indexOf(';');
            String name = params < 0 ? segment : segment.substring(0, params);
            if (name.equals(".") || name.equals("..")) {
                throw reject("a '" + name + "' segment (send the path normalized)");
            }
            if (name.endsWith(".") || name.endsWith("%20")) {
                throw reject("a segment ending in '.' or a space ('" + name + "'; Windows servers drop them)");
            }
            start = end + 1;
        }
    }

    /** Copies a run of escaped UTF-8 bytes after checking they decode strictly; returns the next index. */
    private int utf8(String raw, int from, StringBuilder out) throws RejectedRequestException {
        ByteBuffer bytes = ByteBuffer.allocate((raw.length() - from) / 3 + 1);
        int i = from;
        while (i < raw.length() && raw.charAt(i) == '%') {
            int b = escapedByte(raw, i);
            if (b < 0x80) {
                break;
            }
            bytes.put((byte) b);
            i += 3;
        }
        bytes.flip();
        String decoded;
        try {
            decoded = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes.duplicate()).toString();
        } catch (CharacterCodingException e) {
            throw reject("percent-encoded bytes that are not valid UTF-8 (" + raw.substring(from, i) + ")");
        }
        for (int k = 0; k < decoded.length(); k++) {
            char c = decoded.charAt(k);
            if (c >= 0x80 && c <= 0x9f) {
                throw reject("an encoded control character (U+00" + hex(c) + ")");
            }
        }
        while (bytes.hasRemaining()) {
            out.append('%').append(hex(bytes.get() & 0xff));
        }
        return i;
    }

    /** The query, unchanged once it is known to hold only visible ASCII and well-formed escapes. */
    static String query(String query) throws RejectedRequestException {
        for (int i = 0; i < query.length(); i++) {
            char c = query.charAt(i);
            if (c == '%') {
                if (i + 2 >= query.length() || !isHex(query.charAt(i + 1)) || !isHex(query.charAt(i + 2))) {
                    throw new RejectedRequestException(BAD_PATH, "the query has a malformed percent-encoding at "
                            + "offset " + i);
                }
            } else if (c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '^'
                    || c == '`' || c == '{' || c == '|' || c == '}') {
                throw new RejectedRequestException(BAD_PATH, "the query has a character that must be "
                        + "percent-encoded at offset " + i);
            }
        }
        return query;
    }

    /**
     * The one authority of a request: more than one {@code Host}, or a {@code Host} that disagrees with the
     * HTTP/2 {@code :authority}, is refused (RFC 9112 section 3.2, RFC 9113 section 8.3.1).
     */
    @Nullable
    public static String authority(@Nullable String authority, List<String> hostHeaders) throws RejectedRequestException {
        if (hostHeaders.size() > 1) {
            throw new RejectedRequestException(BAD_HOST, "the request has " + hostHeaders.size()
                    + " Host headers; send exactly one");
        }
        String host = hostHeaders.isEmpty() ? null : hostHeaders.get(0);
        if (authority != null && !authority.isEmpty()) {
            if (host != null && !host.equalsIgnoreCase(authority)) {
                throw new RejectedRequestException(BAD_HOST, "the Host header ('" + printable(host)
                        + "') disagrees with the request's authority ('" + printable(authority) + "')");
            }
            return authority;
        }
        return host == null || host.isEmpty() ? null : host;
    }

    /**
     * The host of an authority: lower case, without port, userinfo refused, one trailing dot removed (a fully
     * qualified name is the same host). IPv6 literals keep their brackets.
     */
    public static String host(String authority) throws RejectedRequestException {
        String host;
        String port = null;
        if (authority.startsWith("[")) {
            int end = authority.indexOf(']');
            if (end < 0) {
                throw badHost(authority, "an unterminated IPv6 literal");
            }
            host = authority.substring(0, end + 1).toLowerCase(Locale.ROOT);
            for (int i = 1; i < host.length() - 1; i++) {
                char c = host.charAt(i);
                if (!(isHex(c) || c == ':' || c == '.')) {
                    throw badHost(authority, "an IPv6 literal with '" + printable(String.valueOf(c)) + "'");
                }
            }
            String rest = authority.substring(end + 1);
            if (!rest.isEmpty()) {
                if (rest.charAt(0) != ':') {
                    throw badHost(authority, "text after the IPv6 literal");
                }
                port = rest.substring(1);
            }
        } else {
            int colon = authority.indexOf(':');
            host = (colon < 0 ? authority : authority.substring(0, colon)).toLowerCase(Locale.ROOT);
            port = colon < 0 ? null : authority.substring(colon + 1);
            if (host.endsWith(".")) {
                host = host.substring(0, host.length() - 1);
            }
            if (host.isEmpty() || host.startsWith(".") || host.contains("..")) {
                throw badHost(authority, "an empty name or label");
            }
            for (int i = 0; i < host.length(); i++) {
                char c = host.charAt(i);
                if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_')) {
                    throw badHost(authority, "the character '" + printable(String.valueOf(c)) + "'");
                }
            }
        }
        if (port != null && (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(Character::isDigit)
                || Integer.parseInt(port) > 65535)) {
            throw badHost(authority, "an invalid port");
        }
        return host;
    }

    private static RejectedRequestException badHost(String authority, String what) {
        return new RejectedRequestException(BAD_HOST, "the host '" + printable(authority) + "' has " + what);
    }

    private static int escapedByte(String raw, int i) throws RejectedRequestException {
        if (i + 2 >= raw.length() || !isHex(raw.charAt(i + 1)) || !isHex(raw.charAt(i + 2))) {
            throw reject("a malformed percent-encoding at offset " + i);
        }
        return Character.digit(raw.charAt(i + 1), 16) * 16 + Character.digit(raw.charAt(i + 2), 16);
    }

    private static void allowOrReject(boolean allowed, String what, String setting) throws RejectedRequestException {
        if (!allowed) {
            throw new RejectedRequestException(BAD_PATH, "the request path has " + what
                    + ", which upstreams interpret differently (a service may allow it with " + setting + ")");
        }
    }

    private static RejectedRequestException reject(String what) {
        return new RejectedRequestException(BAD_PATH, "the request path has " + what);
    }

    private static boolean unreserved(int c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.'
                || c == '_' || c == '~';
    }

    private static boolean isHex(char c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }

    private static String hex(int b) {
        return "" + HEX.charAt((b >> 4) & 0xf) + HEX.charAt(b & 0xf);
    }

    /** A value safe to quote in an error message: controls and non-ASCII escaped, length bounded. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < 200; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c >= 0x7f || c == '\'' || c == '\\') {
                sb.append("\\u").append(String.format("%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
