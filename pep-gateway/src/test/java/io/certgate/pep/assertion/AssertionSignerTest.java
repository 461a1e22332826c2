package io.certgate.pep.assertion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.SignedJWT;
import io.certgate.pep.support.E2e;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AssertionSignerTest {
    @TempDir
    Path tmp;

    private Path openssl(String name, String... args) {
        Path out = tmp.resolve(name);
        List<String> cmd = new java.util.ArrayList<>(List.of(args));
        cmd.add("-out");
        cmd.add(out.toString());
        E2e.Proc p = E2e.run(null, cmd);
        assertThat(p.exit()).as(p.stderr()).isZero();
        return out;
    }

    @Test
    void signsWithEveryKeyFormatOpensslWrites() throws Exception {
        Path pkcs8 = openssl("p256.pem", "openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256");
        Path sec1 = openssl("sec1.pem", "openssl", "ecparam", "-name", "secp384r1", "-genkey", "-noout");
        Path rsa = openssl("rsa.pem", "openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048");
        assertThat(SigningKey.load("a", pkcs8).algorithm().getName()).isEqualTo("ES256");
        assertThat(SigningKey.load("b", sec1).algorithm().getName()).isEqualTo("ES384");
        assertThat(SigningKey.load("c", rsa).algorithm().getName()).isEqualTo("RS256");

        SigningKey key = SigningKey.load("a", pkcs8);
        AssertionSigner signer = new AssertionSigner(new AssertionKeys("iss", List.of(key)), "svc",
                Duration.ofSeconds(60), true, Clock.systemUTC());
        SignedJWT jwt = SignedJWT.parse(signer.assertion(
                new AssertionSigner.Identity("u", "c", "p", List.of("r"), "00".repeat(32)), "d"));
        assertThat(jwt.verify(new ECDSAVerifier((ECKey) key.publicJwk()))).isTrue();
        assertThat(new AssertionKeys("iss", List.of(key)).jwks()).doesNotContain("\"d\"");
    }

    @Test
    void refusesWhatIsNotAPrivateKey() throws Exception {
        Path cert = tmp.resolve("x.pem");
        Files.writeString(cert, "not a key");
        assertThatThrownBy(() -> SigningKey.load("x", cert)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no unencrypted PEM private key");
        Path garbled = tmp.resolve("garbled.pem");
        Files.writeString(garbled, "-----BEGIN PRIVATE KEY-----\nMIGH\u00ff\u00ffAgEAMBMG\n-----END PRIVATE KEY-----\n");
        assertThatThrownBy(() -> SigningKey.load("x", garbled)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a readable PEM private key");
        Path small = openssl("small.pem", "openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024");
        assertThatThrownBy(() -> SigningKey.load("x", small)).hasMessageContaining("at least 2048 bits");
    }
}
