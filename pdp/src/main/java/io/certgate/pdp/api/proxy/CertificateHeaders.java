package io.certgate.pdp.api.proxy;

import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.cert.ChainVerifier;
import io.certgate.pdp.cert.PemBundleException;
import io.certgate.pdp.cert.X509VerifyCodes;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads the client certificate that a TLS-terminating proxy forwards in request headers:
 * Envoy {@code x-forwarded-client-cert} (XFCC), Traefik {@code x-forwarded-tls-client-cert}, and the
 * {@code x-ssl-client-cert} convention (nginx {@code $ssl_client_escaped_cert} with
 * {@code x-ssl-client-verify: $ssl_client_verify}, or certgate's numeric {@code x-ssl-verify}).
 * Callers must only use this for requests from trusted proxies.
 */
public final class CertificateHeaders {
    public static final String XFCC = "x-forwarded-client-cert";
    public static final String TRAEFIK = "x-forwarded-tls-client-cert";
    public static final String SSL_CLIENT_CERT = "x-ssl-client-cert";
    public static final String SSL_CLIENT_VERIFY = "x-ssl-client-verify";
    public static final String SSL_VERIFY = "x-ssl-verify";

    /** Every header name that carries certificate facts; stripped from the input's header copy. */
    public static final List<String> ALL = List.of(XFCC, TRAEFIK, SSL_CLIENT_CERT, SSL_CLIENT_VERIFY, SSL_VERIFY,
            "x-ssl-client-sha1", "x-ssl-client-cn", "x-ssl-client-dn", "x-ssl-issuer-dn", "x-ssl-client-serial",
            "x-ssl-client-not-after", "x-ssl-client-san");

    private static final Map<String, Integer> CODES_BY_MESSAGE = codesByMessage();
    private static final Pattern UNEXPANDED_PLACEHOLDER = Pattern.compile("\\{[A-Za-z0-9_.-]+}");

    private CertificateHeaders() {}

    /** Whether any certificate header is present (to log spoofing attempts from untrusted callers). */
    public static boolean present(HttpHeaders headers) {
        return ALL.stream().anyMatch(headers::contains);
    }

    /**
     * The forwarded certificate, empty when the proxy says none was presented.
     *
     * @throws CertificateHeaderException when a header is present but cannot be read
     */
    public static Optional<ForwardedCertificate> read(HttpHeaders headers) throws CertificateHeaderException {
        // Two formats at once means a proxy passed a client's own header through: refuse to guess.
        // (An unexpanded placeholder counts here: it must not let a client's own header stand in for it.)
        List<String> formats = Stream.of(XFCC, TRAEFIK, SSL_CLIENT_CERT)
                .filter(n -> headers.get(n) != null && !headers.get(n).isBlank()).toList();
        if (formats.size() > 1) {
            throw new CertificateHeaderException("conflicting client certificate headers " + formats
                    + ": configure the proxy to set the one it uses and clear the others");
        }
        // An empty header is a proxy's way of saying "no certificate" (a placeholder with no value).
        String xfcc = nonBlank(headers, XFCC);
        if (xfcc != null) {
            return Optional.of(xfcc(xfcc));
        }
        String traefik = nonBlank(headers, TRAEFIK);
        if (traefik != null) {
            return Optional.of(traefik(traefik));
        }
        String cert = nonBlank(headers, SSL_CLIENT_CERT);
        String verify = headers.get(SSL_CLIENT_VERIFY);
        if (cert == null || "NONE".equals(verify)) {
            return Optional.empty();
        }
        List<byte[]> chain = pem(decodePem(cert), SSL_CLIENT_CERT);
        if (verify != null) {
            return Optional.of(nginxVerdict(chain, verify));
        }
        String code = headers.get(SSL_VERIFY);
        if (code != null) {
            int c;
            try {
                c = Integer.parseInt(code.strip());
            } catch (NumberFormatException e) {
                throw new CertificateHeaderException(SSL_VERIFY + " must be an OpenSSL verify code (0 = ok), got '"
                        + abbreviate(code) + "'");
            }
            return Optional.of(new ForwardedCertificate(chain, c == 0, c, c == 0 ? null : X509VerifyCodes.message(c),
                    SSL_CLIENT_CERT));
        }
        // Without a verdict the PDP cannot know whether the proxy checked the chain: fail closed.
        return Optional.of(new ForwardedCertificate(chain, false, X509VerifyCodes.UNSPECIFIED,
                "the proxy sent no " + SSL_CLIENT_VERIFY + " header with the certificate", SSL_CLIENT_CERT));
    }

    /** A URL-encoded PEM chain, as Envoy ({@code source.certificate}, XFCC) and nginx forward it. */
    public static List<byte[]> urlEncodedPem(String value, String source) throws CertificateHeaderException {
        return pem(urlDecode(value, source), source);
    }

    private static ForwardedCertificate nginxVerdict(List<byte[]> chain, String verify)
            throws CertificateHeaderException {
        if (verify.equals("SUCCESS")) {
            return new ForwardedCertificate(chain, true, 0, null, SSL_CLIENT_CERT);
        }
        if (verify.startsWith("FAILED:")) {
            String reason = verify.substring("FAILED:".length());
            int code = CODES_BY_MESSAGE.getOrDefault(reason.toLowerCase(Locale.ROOT), X509VerifyCodes.UNSPECIFIED);
            return new ForwardedCertificate(chain, false, code, reason, SSL_CLIENT_CERT);
        }
        throw new CertificateHeaderException(SSL_CLIENT_VERIFY + " must be SUCCESS, FAILED:<reason> or NONE "
                + "(nginx $ssl_client_verify), got '" + abbreviate(verify) + "'");
    }

    private static ForwardedCertificate xfcc(String value) throws CertificateHeaderException {
        // Each proxy appends its client's element; the last one is what the nearest proxy saw.
        List<String> elements = split(value, ',');
        Map<String, String> pairs = new HashMap<>();
        for (String pair : split(elements.get(elements.size() - 1), ';')) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new CertificateHeaderException(XFCC + ": '" + abbreviate(pair) + "' is not key=value");
            }
            String v = pair.substring(eq + 1).strip();
            if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
                v = v.substring(1, v.length() - 1);
            }
            pairs.put(pair.substring(0, eq).strip().toLowerCase(Locale.ROOT), v);
        }
        String chain = pairs.get("chain");
        String cert = pairs.get("cert");
        if (chain == null && cert == null) {
            throw new CertificateHeaderException(XFCC + " has neither Cert nor Chain: configure Envoy's "
                    + "set_current_client_cert_details with cert: true (or chain: true)");
        }
        List<byte[]> der = urlEncodedPem(chain != null ? chain : cert, XFCC);
        // Envoy only forwards a certificate that passed its validation context.
        return new ForwardedCertificate(der, true, 0, null, XFCC);
    }

    private static ForwardedCertificate traefik(String value) throws CertificateHeaderException {
        List<byte[]> chain = new ArrayList<>();
        for (String part : urlDecode(value, TRAEFIK).split(",")) {
            String b64 = part.replaceAll("-----[A-Z ]+-----|\\s", "");
            try {
                chain.add(Base64.getDecoder().decode(b64));
            } catch (IllegalArgumentException e) {
                throw new CertificateHeaderException(TRAEFIK + " is not base64 DER (Traefik passTLSClientCert "
                        + "pem: true): " + e.getMessage());
            }
        }
        List<byte[]> parsed = new ArrayList<>();
        for (byte[] der : chain) {
            String pem = "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder().encodeToString(der)
                    + "\n-----END CERTIFICATE-----\n";
            parsed.addAll(pem(pem, TRAEFIK));
        }
        // Traefik forwards what its TLS option accepted (RequireAndVerifyClientCert verifies).
        return new ForwardedCertificate(parsed, true, 0, null, TRAEFIK);
    }

    private static String decodePem(String value) throws CertificateHeaderException {
        if (value.startsWith("-----BEGIN CERTIFICATE-----")) {
            // nginx's legacy $ssl_client_cert: PEM with every line after the first prefixed by a tab
            return value.replace("\t", "\n");
        }
        return urlDecode(value, SSL_CLIENT_CERT);
    }

    private static String urlDecode(String value, String source) throws CertificateHeaderException {
        try {
            // '+' stays literal (it is base64); a form-style encoder's '+' for the armor's space is undone below
            return URLDecoder.decode(value.replace("+", "%2B"), StandardCharsets.UTF_8)
                    .replaceAll("-----(BEGIN|END)\\+([A-Z]+)-----", "-----$1 $2-----");
        } catch (IllegalArgumentException e) {
            throw new CertificateHeaderException(source + " is not URL-encoded: " + e.getMessage());
        }
    }

    private static List<byte[]> pem(String pem, String source) throws CertificateHeaderException {
        List<X509Certificate> certs;
        try {
            certs = ChainVerifier.readCertificates(pem.getBytes(StandardCharsets.UTF_8), source);
        } catch (PemBundleException e) {
            throw new CertificateHeaderException(source + " does not hold a readable certificate: " + e.getMessage());
        }
        List<byte[]> der = new ArrayList<>();
        for (X509Certificate c : certs) {
            try {
                der.add(c.getEncoded());
            } catch (CertificateEncodingException e) {
                throw new CertificateHeaderException(source + ": cannot encode a certificate: " + e.getMessage());
            }
        }
        return der;
    }

    /** Splits on {@code sep} outside double quotes. */
    private static List<String> split(String s, char sep) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (char c : s.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == sep && !quoted) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }

    /**
     * The header's value, or null when it is empty or a placeholder the proxy left unexpanded because it
     * had no value (Caddy sends {@code {http.request.tls.client.certificate_der_base64}} literally when
     * the client presented no certificate): both mean "no certificate".
     */
    @Nullable
    private static String nonBlank(HttpHeaders headers, String name) {
        String v = headers.get(name);
        return v == null || v.isBlank() || UNEXPANDED_PLACEHOLDER.matcher(v).matches() ? null : v;
    }

    @Nullable
    private static String abbreviate(@Nullable String s) {
        return s == null || s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }

    private static Map<String, Integer> codesByMessage() {
        Map<String, Integer> m = new HashMap<>();
        String unknown = X509VerifyCodes.message(-1);
        for (int code = 1; code < 200; code++) {
            String msg = X509VerifyCodes.message(code);
            if (!msg.equals(unknown)) {
                m.putIfAbsent(msg.toLowerCase(Locale.ROOT), code);
            }
        }
        return Map.copyOf(m);
    }
}
