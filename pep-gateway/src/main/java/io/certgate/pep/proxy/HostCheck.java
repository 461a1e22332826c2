package io.certgate.pep.proxy;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.certgate.pdp.boundary.RejectedRequestException;
import io.certgate.pdp.boundary.RequestCanonicalizer;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLSession;

/**
 * First stage: the request has exactly one authority (one {@code Host}, agreeing with HTTP/2's
 * {@code :authority}; else 400 {@code BAD_HOST}) and it names the same service as the TLS server name
 * (else 421), so a connection opened for one service can never reach another.
 */
final class HostCheck implements DecoratingHttpServiceFunction {
    private final List<String> names;
    private final Outcomes outcomes;

    HostCheck(List<String> names, Outcomes outcomes) {
        this.names = List.copyOf(names);
        this.outcomes = outcomes;
    }

    @Override
    public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
        Exchange e = Exchange.of(ctx);
        String sni = sni(ctx.sslSession());
        e.sni = sni;
        RequestHeaders h = req.headers();
        String authority;
        String host;
        try {
            authority = RequestCanonicalizer.authority(h.get(HttpHeaderNames.AUTHORITY), h.getAll(HttpHeaderNames.HOST));
            host = authority == null ? null : RequestCanonicalizer.host(authority);
        } catch (RejectedRequestException ex) {
            return outcomes.refuse(e, 400, ex.code(), ex.getMessage());
        }
        if (sni == null || !names.contains(sni) || host == null || !names.contains(host)) {
            return outcomes.refuse(e, 421, "MISDIRECTED_REQUEST", "the Host header (" + host
                    + ") does not belong to the TLS server name (" + sni + ")");
        }
        e.authority = authority;
        return delegate.serve(ctx, req);
    }

    /** The TLS server name, lower case (a name with a trailing dot never gets here: see {@code ServerNames}). */
    @Nullable
    static String sni(@Nullable SSLSession session) {
        if (session instanceof ExtendedSSLSession ext) {
            for (SNIServerName name : ext.getRequestedServerNames()) {
                if (name instanceof SNIHostName h) {
                    return h.getAsciiName().toLowerCase(Locale.ROOT);
                }
            }
        }
        return null;
    }
}
