package io.certgate.pdp.pip;

import static org.assertj.core.api.Assertions.assertThat;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldif.LDIFReader;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.testdata.MutableClock;
import io.certgate.testdata.TestCert;
import io.certgate.testdata.TestPki;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Instant;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ldaps:// with the directory's CA from {@code ca_file}: trusted, and refused with another CA. */
class LdapsTest {
    @TempDir
    static Path tmp;
    static TestPki pki;
    static InMemoryDirectoryServer server;

    @BeforeAll
    static void start() throws Exception {
        pki = TestPki.create(Instant.now());
        TestCert cert = pki.server();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("server", cert.privateKey(), new char[0], cert.chain().toArray(new Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig(TestDirectory.BASE);
        config.setSchema(null);
        config.setListenerConfigs(InMemoryListenerConfig.createLDAPSConfig("ldaps", null, 0,
                tls.getServerSocketFactory(), null));
        server = new InMemoryDirectoryServer(config);
        try (InputStream ldif = LdapsTest.class.getResourceAsStream("/directory/corp.ldif")) {
            server.importFromLDIF(true, new LDIFReader(ldif));
        }
        server.startListening();
        Files.writeString(tmp.resolve("ca.pem"), TestPki.pem(pki.rootCa().certificate()));
        Files.writeString(tmp.resolve("other-ca.pem"), TestPki.pem(pki.otherCa().certificate()));
    }

    @AfterAll
    static void stop() {
        server.shutDown(true);
    }

    static Lookup<SubjectGroups> alice(String caFile) throws Exception {
        LdapConfig c = PdpConfig.parse("providers:\n  ldap: {url: 'ldaps://localhost:" + server.getListenPort()
                + "', base_dn: '" + TestDirectory.BASE + "', ca_file: '" + tmp.resolve(caFile) + "', timeout_ms: 2000}\n",
                "t").providers().ldap();
        try (LdapGroupsProvider p = new LdapGroupsProvider(c)) {
            return new ResilientLookup<>("ldap", p::fetch, c.resilience(),
                    new MutableClock(Instant.now()), new SimpleMeterRegistry()).get("alice").join();
        }
    }

    @Test
    void theDirectorysCaIsTrusted() throws Exception {
        Lookup<SubjectGroups> r = alice("ca.pem");
        assertThat(r.error()).isNull();
        assertThat(r.value().groups()).containsExactly("platform-admins", "staff");
    }

    @Test
    void anotherCaIsRefused() throws Exception {
        Lookup<SubjectGroups> r = alice("other-ca.pem");
        assertThat(r.status()).isEqualTo(LookupStatus.UNAVAILABLE);
        assertThat(r.error()).isNotBlank();
    }
}
