package io.certgate.pdp.bundle;

import java.util.regex.Pattern;

/**
 * A file name glob as OPA's {@code exclude_files} (Go's {@code filepath.Match}): {@code *} is any run of
 * characters but {@code /}, {@code ?} one such character, {@code [a-z]} / {@code [^a-z]} a class, {@code \}
 * escapes. Names are matched without their leading {@code /}.
 */
public final class FileNamePattern {
    private final String glob;
    private final Pattern regex;

    private FileNamePattern(String glob, Pattern regex) {
        this.glob = glob;
        this.regex = regex;
    }

    /** @throws IllegalArgumentException with what is wrong, for a malformed pattern */
    public static FileNamePattern compile(String glob) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            switch (c) {
                case '*' -> re.append("[^/]*");
                case '?' -> re.append("[^/]");
                case '\\' -> {
                    if (++i == glob.length()) {
                        throw new IllegalArgumentException("'" + glob + "' ends with an escaping \\");
                    }
                    re.append(Pattern.quote(String.valueOf(glob.charAt(i))));
                }
                case '[' -> {
                    int end = glob.indexOf(']', i + 2);
                    if (end < 0) {
                        throw new IllegalArgumentException("'" + glob + "' has a [ without its ]");
                    }
                    String body = glob.substring(i + 1, end);
                    boolean negated = body.startsWith("^");
                    StringBuilder cls = new StringBuilder(negated ? "[^/" : "[");
                    // Go's grammar: items `lo` or `lo-hi`, each char possibly escaped; every char is written as a
                    // code point escape, so only a reversed range could make the class invalid, and it is refused
                    // here, before any regex is compiled
                    int k = negated ? 1 : 0;
                    while (k < body.length()) {
                        if (body.charAt(k) == '\\' && k + 1 < body.length()) {
                            k++;
                        }
                        char lo = body.charAt(k++);
                        cls.append(codePoint(lo));
                        if (k + 1 < body.length() && body.charAt(k) == '-') {
                            k++;
                            if (body.charAt(k) == '\\' && k + 1 < body.length()) {
                                k++;
                            }
                            char hi = body.charAt(k++);
                            if (hi < lo) {
                                throw new IllegalArgumentException("'" + glob + "' has the range " + lo + "-" + hi
                                        + ", whose end comes before its start");
                            }
                            cls.append('-').append(codePoint(hi));
                        }
                    }
                    re.append(cls).append(negated ? "]" : "&&[^/]]");
                    i = end;
                }
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        try {
            return new FileNamePattern(glob, Pattern.compile(re.toString()));
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new IllegalArgumentException("'" + glob + "' is not a valid pattern: " + e.getDescription(), e);
        }
    }

    /** Whether {@code name} (without a leading {@code /}) matches. */
    public boolean matches(String name) {
        return regex.matcher(name).matches();
    }

    private static String codePoint(char c) {
        return "\\x{" + Integer.toHexString(c) + "}";
    }

    @Override
    public String toString() {
        return glob;
    }
}
