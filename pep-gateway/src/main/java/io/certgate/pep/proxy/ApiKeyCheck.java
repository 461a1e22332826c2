package io.certgate.pep.proxy;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.certgate.pep.config.ServiceConfig;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;

/**
 * Stage of services that accept API keys, after the certificate check: reads the key from the configured
 * header or {@code Authorization: ApiKey …} and keeps only its SHA-256 for the PDP, which looks it up. A
 * key in the query string is refused with 400 before anything logs the URL with it.
 */
final class ApiKeyCheck implements DecoratingHttpServiceFunction {
    private static final String SCHEME = "apikey ";
    private static final Set<String> QUERY_NAMES = Set.of("api_key", "apikey", "api-key", "x-api-key");

    private final String header;
    private final Outcomes outcomes;

    ApiKeyCheck(ServiceConfig.ApiKeys config, Outcomes outcomes) {
        this.header = config.header();
        this.outcomes = outcomes;
    }

    @Override
    public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
        Exchange e = Exchange.of(ctx);
        if (keyInQuery(e.request().query())) {
            return outcomes.refuse(e, 400, "API_KEY_IN_QUERY", "API keys are accepted in the " + header
                    + " header only, never in the URL");
        }
        String key = key(req.headers(), header);
        if (key != null) {
            e.apiKeyDigest = sha256(key);
        }
        return delegate.serve(ctx, req);
    }

    /** The key a request presents, or null. */
    @Nullable
    static String key(RequestHeaders headers, String header) {
        String key = headers.get(header);
        if (key != null) {
            return key.strip();
        }
        String authorization = headers.get(HttpHeaderNames.AUTHORIZATION);
        return isApiKeyAuthorization(authorization) ? authorization.substring(SCHEME.length()).strip() : null;
    }

    /** Whether an {@code Authorization} value uses the ApiKey scheme (then it is the key, not a token). */
    static boolean isApiKeyAuthorization(@Nullable String authorization) {
        return authorization != null && authorization.length() > SCHEME.length()
                && authorization.substring(0, SCHEME.length()).toLowerCase(Locale.ROOT).equals(SCHEME);
    }

    private boolean keyInQuery(@Nullable String query) {
        if (query == null) {
            return false;
        }
        for (String pair : query.split("[&;]")) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            try {
                name = URLDecoder.decode(name, StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
            } catch (IllegalArgumentException ex) {
                continue;
            }
            if (QUERY_NAMES.contains(name) || name.equals(header)) {
                return true;
            }
        }
        return false;
    }

    private static String sha256(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 is a required JDK algorithm", ex);
        }
    }
}
