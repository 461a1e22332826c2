package io.certgate.pdp.cert;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.certgate.pdp.decision.HeaderValues;
import java.time.Clock;
import java.util.List;

/**
 * Fuzzes DER certificate parsing ({@link CertificateIdentities#parse}, {@link CertificateIdentities#identify}),
 * which every presented or forwarded chain goes through before a decision. The input is a chain of DER
 * certificates (leaf first); the seeds are certificates of the test PKI, which the fuzzer mutates.
 *
 * <p>Properties: only {@link CertificateParseException} escapes; an identity's header values never carry a
 * control or non-ASCII character (SPEC: header values never carry CR, LF or control characters from a
 * certificate) and are already in their normal form; a certificate that parses re-encodes to the same bytes;
 * and parsing again (without the cache) gives the same identity.
 */
class CertificateIdentitiesFuzzTest {
    private final CertificateIdentities identities = new CertificateIdentities(Clock.systemUTC(), 16);

    @FuzzTest
    void identify(byte[] chain) throws Exception {
        List<byte[]> der = DerElements.split(chain);
        if (der.isEmpty()) {
            return;
        }
        for (int i = 0; i < der.size(); i++) {
            try {
                assertThat(CertificateIdentities.parse(der.get(i), i).getEncoded()).isEqualTo(der.get(i));
            } catch (CertificateParseException e) {
                assertThat(e.getMessage()).contains("certificate #" + i);
            }
        }
        CertificateIdentity id;
        try {
            id = identities.identify(der);
        } catch (CertificateParseException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        assertThat(id.chainSha256()).hasSize(der.size());
        for (String value : IdentityHeaderValues.of(0, id).values()) {
            assertThat(value.chars()).as("header value %s", value).allMatch(c -> c >= 0x20 && c < 0x7f);
            assertThat(HeaderValues.sanitize(value)).as("already safe for a header").isEqualTo(value);
        }
        assertThat(id.toInput(true, 0, null, id.notBefore())).isNotNull();
        assertThat(new CertificateIdentities(Clock.systemUTC(), 1).identify(der)).isEqualTo(id);
    }
}
