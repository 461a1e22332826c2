package io.certgate.pep.support;

import com.linecorp.armeria.common.RequestHeaders;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The request meta-variables a CGI, WSGI or PHP upstream builds from the headers it receives (RFC 3875
 * section 4.1.18): {@code HTTP_} plus the upper-cased name with {@code -} turned into {@code _}, repeated
 * headers joined with {@code ", "}. {@code X-SSL-Client-CN} and {@code X_SSL_Client_CN} land in the same
 * variable, which is what makes underscore spellings of identity headers dangerous.
 */
public final class CgiEnvironment {
    private CgiEnvironment() {}

    public static Map<String, String> of(RequestHeaders headers) {
        Map<String, String> env = new TreeMap<>();
        headers.forEach((name, value) -> {
            String n = name.toString();
            if (n.startsWith(":")) {
                return;
            }
            env.merge("HTTP_" + n.toUpperCase(Locale.ROOT).replace('-', '_'), value, (a, b) -> a + ", " + b);
        });
        return env;
    }
}
