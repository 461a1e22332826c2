package io.certgate.bench;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.server.Server;
import io.netty.handler.ssl.ClientAuth;
import java.nio.file.Path;

/**
 * The floor under the gateway in {@code compare.sh}: a bare Armeria mTLS reverse proxy on the same server
 * certificate, client CA and TLS engine as the gateway, forwarding every request to the same upstream with a
 * {@link WebClient}, with no identity, decision, header policy or logs. What it sustains bounds what any gateway
 * built on Armeria can reach on this machine; the gateway's distance from it is certgate's own cost.
 */
final class ArmeriaProxyFloor implements AutoCloseable {
    private final Server server;
    private final ClientFactory factory;

    private ArmeriaProxyFloor(Server server, ClientFactory factory) {
        this.server = server;
        this.factory = factory;
    }

    static ArmeriaProxyFloor start(Path serverChain, Path serverKey, Path clientCa, String upstream) {
        ClientFactory factory = ClientFactory.builder().build();
        WebClient client = WebClient.builder(upstream).factory(factory).build();
        Server server = Server.builder()
                .https(0)
                .tls(serverChain.toFile(), serverKey.toFile())
                .tlsCustomizer(b -> b.clientAuth(ClientAuth.REQUIRE).trustManager(clientCa.toFile()))
                .serviceUnder("/", (ctx, req) -> client.execute(req))
                .build();
        server.start().join();
        return new ArmeriaProxyFloor(server, factory);
    }

    int port() {
        return server.activeLocalPort();
    }

    @Override
    public void close() {
        server.stop().join();
        factory.close();
    }
}
