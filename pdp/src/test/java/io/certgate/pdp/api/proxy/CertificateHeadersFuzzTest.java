package io.certgate.pdp.api.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpHeadersBuilder;
import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.cert.CertificateIdentities;
import io.certgate.pdp.cert.CertificateParseException;
import io.certgate.pdp.decision.HeaderValues;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Fuzzes {@link CertificateHeaders#read}, which parses what a trusted proxy forwards: nginx
 * {@code $ssl_client_escaped_cert} with {@code $ssl_client_verify}, Envoy XFCC, Traefik and Caddy. The input is
 * a header block ({@code name: value} lines); the seeds are real headers carrying certificates of the test PKI.
 *
 * <p>Properties: only {@link CertificateHeaderException} escapes (anything else is a 500 at forward-auth); a
 * chain it returns is one the rest of the PDP parses; and reading the chain again in its canonical encoding
 * gives the same result (the canonical encoding is a normal form).
 */
class CertificateHeadersFuzzTest {
    private final CertificateIdentities identities = new CertificateIdentities(Clock.systemUTC(), 16);

    @FuzzTest
    void read(byte[] headerBlock) throws Exception {
        HttpHeaders headers = headers(new String(headerBlock, StandardCharsets.ISO_8859_1));
        if (headers == null) {
            return; // a name or value no HTTP stack would deliver (CR, LF, NUL, ...): never reaches the PDP
        }
        Optional<ForwardedCertificate> read;
        try {
            read = CertificateHeaders.read(headers);
        } catch (CertificateHeaderException e) {
            assertThat(e.getMessage()).as("the error names the header and why").isNotBlank();
            return;
        }
        if (read.isEmpty()) {
            return;
        }
        ForwardedCertificate cert = read.get();
        assertThat(cert.chainDer()).isNotEmpty();
        assertThat(cert.source()).isIn(CertificateHeaders.XFCC, CertificateHeaders.TRAEFIK,
                CertificateHeaders.SSL_CLIENT_CERT);
        try {
            identities.identify(cert.chainDer());
        } catch (CertificateParseException e) {
            assertThat(e.getMessage()).isNotBlank(); // a 400 at forward-auth, with this message
        }

        ForwardedCertificate again = CertificateHeaders.read(canonical(cert, headers)).orElseThrow();
        assertThat(again.chainDer()).as("chain read back from its canonical encoding")
                .containsExactlyElementsOf(cert.chainDer());
        assertThat(again.verified()).isEqualTo(cert.verified());
        assertThat(again.verifyCode()).isEqualTo(cert.verifyCode());
        assertThat(again.verifyError()).isEqualTo(cert.verifyError());
        assertThat(again.source()).isEqualTo(cert.source());
    }

    /** The header block as an HTTP stack would deliver it, or null for a name or value HTTP does not allow. */
    @Nullable
    static HttpHeaders headers(String block) {
        HttpHeadersBuilder b = HttpHeaders.builder();
        for (String line : block.split("\n", -1)) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = line.substring(0, colon);
            if (!HeaderValues.isToken(name)) {
                return null;
            }
            try {
                b.add(name.toLowerCase(Locale.ROOT), trimOws(line.substring(colon + 1)));
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return b.build();
    }

    /** Without the optional whitespace (SP, HTAB) around a field value, as HTTP parsers drop it. */
    private static String trimOws(String value) {
        int start = 0;
        int end = value.length();
        while (start < end && (value.charAt(start) == ' ' || value.charAt(start) == '\t')) {
            start++;
        }
        while (end > start && (value.charAt(end - 1) == ' ' || value.charAt(end - 1) == '\t'
                || value.charAt(end - 1) == '\r')) {
            end--;
        }
        return value.substring(start, end);
    }

    /** The same chain in the canonical encoding of its header, next to the original verdict headers. */
    private static HttpHeaders canonical(ForwardedCertificate cert, HttpHeaders original) {
        String pem = cert.chainDer().stream()
                .map(der -> "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder().encodeToString(der)
                        + "\n-----END CERTIFICATE-----\n")
                .collect(Collectors.joining());
        String escapedPem = URLEncoder.encode(pem, StandardCharsets.UTF_8).replace("+", "%20");
        HttpHeadersBuilder b = HttpHeaders.builder();
        switch (cert.source()) {
            case CertificateHeaders.XFCC -> b.add(CertificateHeaders.XFCC, "Chain=\"" + escapedPem + "\"");
            case CertificateHeaders.TRAEFIK -> b.add(CertificateHeaders.TRAEFIK, cert.chainDer().stream()
                    .map(der -> URLEncoder.encode(Base64.getEncoder().encodeToString(der), StandardCharsets.UTF_8))
                    .collect(Collectors.joining(",")));
            default -> {
                b.add(CertificateHeaders.SSL_CLIENT_CERT, escapedPem);
                for (String verdict : List.of(CertificateHeaders.SSL_CLIENT_VERIFY, CertificateHeaders.SSL_VERIFY)) {
                    String v = original.get(verdict);
                    if (v != null) {
                        b.add(verdict, v);
                    }
                }
            }
        }
        return b.build();
    }
}
