package io.certgate.pep.tls;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.TlsKeyPair;
import io.certgate.testdata.TestCert;
import io.certgate.testdata.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReloadingKeyManagerTest {

    /**
     * The JDK's TLS engine (the one used where OpenSSL cannot be loaded, as in the container images) refuses a key
     * or certificate whose algorithm is not named as its own ("EC"): the handshake fails with "No available
     * authentication scheme". PEM files read through Armeria may come back with BouncyCastle's names ("ECDSA").
     */
    @Test
    void handsOutKeysAndCertificatesTheJdkEngineAccepts(@TempDir Path dir) throws Exception {
        TestCert server = TestPki.create(Instant.now()).server();
        Path cert = Files.writeString(dir.resolve("server.pem"), TestPki.pem(server.certificate()));
        Path key = Files.writeString(dir.resolve("server.key"), TestPki.pem(server.privateKey()));
        TlsKeyPair read = TlsKeyPair.of(key.toFile(), cert.toFile());
        assertThat(read.privateKey().getAlgorithm() + "/" + read.certificateChain().get(0).getPublicKey().getAlgorithm())
                .as("the pair as read from PEM").isNotEqualTo("EC/EC");

        ReloadingKeyManager km = new ReloadingKeyManager(read);
        String alias = km.chooseEngineServerAlias("EC", null, null);
        assertThat(alias).isNotNull();
        assertThat(km.getPrivateKey(alias).getAlgorithm()).isEqualTo("EC");
        assertThat(km.getCertificateChain(alias)[0].getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(km.getCertificateChain(alias)[0]).isEqualTo(server.certificate());
    }
}
