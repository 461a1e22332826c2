package io.certgate.pep.tls;

import com.linecorp.armeria.common.annotation.Nullable;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SSLSession;

/** The TLS server name (SNI) a client asked for. */
public final class ServerNames {
    private ServerNames() {}

    /**
     * Whether the session's server name, if it has one, is a host name the JDK can represent. RFC 6066
     * forbids e.g. a trailing dot ({@code api.example.com.}); reading such a name throws, so it belongs to
     * no service.
     */
    public static boolean readable(@Nullable SSLSession session) {
        if (session instanceof ExtendedSSLSession ext) {
            try {
                ext.getRequestedServerNames();
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
        return true;
    }
}
