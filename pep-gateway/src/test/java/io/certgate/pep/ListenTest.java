package io.certgate.pep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.certgate.pep.support.E2e;
import io.certgate.testdata.LocalAddresses;
import java.net.InetAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the gateway listens: its TLS port on every interface unless {@code listen.host} names one (it is
 * the TLS edge, like nginx's {@code listen 443}); its admin port on {@code admin.host}, loopback by default.
 */
class ListenTest {
    @TempDir
    static Path tmp;
    static E2e e;
    static InetAddress external;

    @BeforeAll
    static void start() throws Exception {
        external = LocalAddresses.nonLoopback();
        e = new E2e(tmp);
    }

    @AfterAll
    static void stop() {
        e.close();
    }

    private GatewayServer gateway(String listen) throws Exception {
        return e.start(E2e.gateway(E2e.embeddedPdp(), "", e.service("listen", E2e.API,
                "{verify: required, ca_file: ca.pem}", "{}")).replace("listen: {port: 0}", listen));
    }

    @Test
    void byDefaultEveryInterfaceAndTheAdminPortOnLoopback() throws Exception {
        assumeThat(external).as("this machine has a non-loopback IPv4 address").isNotNull();
        GatewayServer g = gateway("listen: {port: 0}");
        assertThat(g.localAddress().getAddress().isAnyLocalAddress()).isTrue();
        assertThat(LocalAddresses.refuses(external, g.port())).isFalse();
        assertThat(LocalAddresses.refuses(external, g.adminPort())).as("admin reachable from other hosts").isTrue();
        assertThat(LocalAddresses.refuses(InetAddress.getLoopbackAddress(), g.adminPort())).isFalse();
    }

    @Test
    void listenHostIsTheOnlyAddressServed() throws Exception {
        assumeThat(external).as("this machine has a non-loopback IPv4 address").isNotNull();
        GatewayServer g = gateway("listen: {host: 127.0.0.1, port: 0}");
        assertThat(g.localAddress().getAddress().isLoopbackAddress()).isTrue();
        assertThat(LocalAddresses.refuses(external, g.port())).as("reachable from other hosts").isTrue();
        E2e.Resp r = E2e.get(e.client(g.port(), E2e.API, e.pki.partnerClient()), "/listen");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }
}
