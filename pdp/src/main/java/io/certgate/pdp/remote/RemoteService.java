package io.certgate.pdp.remote;

import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.config.ConfigNode;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One entry of {@code services:} (OPA's name): a management server the PDP sends decision logs or
 * status reports to.
 *
 * @param name the key under {@code services}
 * @param url the base URL; resources are appended to it
 * @param bearerToken {@code credentials.bearer.token} (or the variable named by {@code token_env})
 * @param clientCert {@code tls.client_cert}: PEM certificate chain presented to the server (mTLS)
 * @param clientKey {@code tls.client_key}: its PEM private key
 * @param caFile {@code tls.ca_file}: PEM CA bundle the server is verified against (else the JDK's)
 * @param responseTimeout {@code response_header_timeout_seconds}: a request not answered by then fails
 */
public record RemoteService(String name, URI url, @Nullable String bearerToken, @Nullable Path clientCert,
        @Nullable Path clientKey, @Nullable Path caFile, Duration responseTimeout) {

    private static final Set<String> HTTP = Set.of("http", "https");

    /** Parses {@code services: {<name>: {...}}}; every error is recorded on the node. */
    public static Map<String, RemoteService> parse(ConfigNode services) {
        Map<String, RemoteService> out = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigNode> e : services.namedSections().entrySet()) {
            out.put(e.getKey(), parseOne(e.getKey(), e.getValue()));
        }
        return Map.copyOf(out);
    }

    private static RemoteService parseOne(String name, ConfigNode s) {
        URI url = s.url("url", HTTP, "e.g. https://collector.example.com/v1", "must be an http(s) URL");
        if (url == null) {
            url = URI.create("http://invalid");
        }
        String base = url.toString();
        if (base.endsWith("/")) {
            url = URI.create(base.substring(0, base.length() - 1));
        }
        int timeout = s.integer("response_header_timeout_seconds", 10, 1, 3600);
        ConfigNode credentials = s.section("credentials");
        ConfigNode bearer = credentials.section("bearer");
        String token = bearer.secret("token", "token_env");
        if (credentials.has("bearer") && token == null && !bearer.has("token_env")) {
            bearer.error("token", "is required (or token_env)");
        }
        bearer.rejectUnknownKeys();
        credentials.rejectUnknownKeys();
        ConfigNode tls = s.section("tls");
        Path cert = file(tls, "client_cert");
        Path key = file(tls, "client_key");
        Path ca = file(tls, "ca_file");
        if (tls.has("client_cert") != tls.has("client_key")) {
            String missing = tls.has("client_cert") ? "client_key" : "client_cert";
            tls.error(missing, "is required with " + (missing.equals("client_key") ? "client_cert" : "client_key"));
        }
        if (cert != null && "http".equals(url.getScheme())) {
            tls.error("client_cert", "needs an https url (got " + url + ")");
        }
        tls.rejectUnknownKeys();
        s.rejectUnknownKeys();
        return new RemoteService(name, url, token, cert, key, ca, Duration.ofSeconds(timeout));
    }

    @Nullable
    private static Path file(ConfigNode tls, String key) {
        String v = tls.string(key, null);
        if (v == null) {
            return null;
        }
        Path p = Path.of(v);
        if (!Files.isReadable(p)) {
            tls.error(key, "cannot read " + p.toAbsolutePath());
            return null;
        }
        return p;
    }
}
