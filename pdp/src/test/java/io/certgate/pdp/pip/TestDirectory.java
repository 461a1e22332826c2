package io.certgate.pdp.pip;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldif.LDIFReader;
import java.io.InputStream;
import java.net.ServerSocket;

/**
 * UnboundID's in-memory LDAP server (a real LDAP server over TCP) holding testdata's
 * {@code directory/corp.ldif}, on a fixed port so a test can stop and restart it.
 */
final class TestDirectory implements AutoCloseable {
    static final String BASE = "dc=corp,dc=example,dc=com";
    static final String READER_DN = "cn=reader,dc=corp,dc=example,dc=com";
    static final String READER_PASSWORD = "reader-secret";

    final InMemoryDirectoryServer server;
    final int port;

    TestDirectory() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig(BASE);
        config.setSchema(null); // memberOf and deliberately malformed entries
        config.addAdditionalBindCredentials(READER_DN, READER_PASSWORD);
        config.setListenerConfigs(InMemoryListenerConfig.createLDAPConfig("ldap", port));
        server = new InMemoryDirectoryServer(config);
        try (InputStream ldif = TestDirectory.class.getResourceAsStream("/directory/corp.ldif")) {
            server.importFromLDIF(true, new LDIFReader(ldif));
        }
        server.startListening();
    }

    String url() {
        return "ldap://127.0.0.1:" + port;
    }

    void stop() {
        server.shutDown(true);
    }

    void restart() throws Exception {
        server.startListening();
    }

    @Override
    public void close() {
        server.shutDown(true);
    }
}
