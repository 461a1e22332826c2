package io.certgate.pdp.decision;

import java.nio.charset.StandardCharsets;

/** Makes policy output safe to put in HTTP headers. */
public final class HeaderValues {
    private HeaderValues() {}

    /**
     * Percent-encodes control characters (CR, LF, NUL, DEL, …) and non-ASCII characters (as UTF-8) so a value
     * can never split a header and survives HTTP/1 and HPACK; {@code %} is kept, so this is for text (error
     * descriptions), not for identity values, which use {@link #encode(String)}.
     */
    public static String sanitize(String value) {
        return encode(value, "", false);
    }

    /**
     * An injective header encoding for values taken from certificates and policies: {@code %}, control
     * characters, DEL and every non-ASCII character (as UTF-8 bytes) are percent-encoded with upper-case hex,
     * so no two values share an encoding (a real CR and the text {@code %0D} stay apart) and the value
     * survives HTTP/1 and HPACK unchanged. Decoding is plain percent-decoding as UTF-8.
     */
    public static String encode(String value) {
        return encode(value, "");
    }

    /** {@link #encode(String)}, also percent-encoding each character of {@code alsoEncode} (e.g. a list separator). */
    public static String encode(String value, String alsoEncode) {
        return encode(value, alsoEncode, true);
    }

    private static String encode(String value, String alsoEncode, boolean percent) {
        int i = 0;
        while (i < value.length() && !needsEncoding(value.charAt(i), alsoEncode, percent)) {
            i++;
        }
        if (i == value.length()) {
            return value;
        }
        StringBuilder sb = new StringBuilder(value.length() + 16).append(value, 0, i);
        for (byte b : value.substring(i).getBytes(StandardCharsets.UTF_8)) {
            int u = b & 0xff;
            if (u < 0x80 && !needsEncoding((char) u, alsoEncode, percent)) {
                sb.append((char) u);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(u >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(u & 0xf, 16)));
            }
        }
        return sb.toString();
    }

    private static boolean needsEncoding(char c, String alsoEncode, boolean percent) {
        return c < 0x20 || c >= 0x7f || percent && c == '%' || alsoEncode.indexOf(c) >= 0;
    }

    /** RFC 9110 token: the characters allowed in a header name. */
    public static boolean isToken(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
