package io.certgate.containers;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy;
import org.testcontainers.containers.wait.strategy.Wait;

/**
 * The compose topology built by hand: a setup container writes the quickstart's demo PKI and configuration
 * into a volume, then the PDP image, an upstream (the gateway image's demo-upstream) and the gateway in
 * remote mode share one network. The quickstart's identities get 200/403/401 through the gateway; with
 * the PDP container stopped the gateway fails closed (503 PDP_UNAVAILABLE) and recovers once it is back.
 */
@DockerTest
class GatewayStackTest {
    private static final Duration WARM_UP = Duration.ofSeconds(90);

    @TempDir
    static Path pki;

    static final String VOLUME = "certgate-test-demo-" + UUID.randomUUID();
    static Network network;
    static GenericContainer<?> setup;
    static GenericContainer<?> pdp;
    static GenericContainer<?> upstream;
    static GenericContainer<?> gateway;
    static Curl curl;

    @BeforeAll
    static void start() throws Exception {
        Images.build();
        DockerClient docker = DockerClientFactory.instance().client();
        docker.createVolumeCmd().withName(VOLUME).exec();
        network = Network.newNetwork();
        setup = Containers.readOnly(Images.GATEWAY)
                .withCommand("quickstart", "--export-compose", "--dir", "/var/lib/certgate")
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig()
                        .withBinds(new Bind(VOLUME, new Volume("/var/lib/certgate"))))
                .withStartupCheckStrategy(new OneShotStartupCheckStrategy().withTimeout(Duration.ofMinutes(2)));
        setup.start();
        for (String file : List.of("ca.pem", "partner.pem", "partner.key", "device.pem", "device.key")) {
            setup.copyFileFromContainer("/var/lib/certgate/pki/" + file, pki.resolve(file).toString());
        }
        pdp = demo(Images.PDP).withNetworkAliases("pdp").withCommand("serve", "--config", "/demo/pdp.yaml")
                .withExposedPorts(Containers.PDP_PORT)
                .waitingFor(Wait.forHttp("/health").forPort(Containers.PDP_PORT).forStatusCode(200)
                        .withStartupTimeout(Containers.STARTUP));
        upstream = demo(Images.GATEWAY).withNetworkAliases("upstream")
                .withCommand("demo-upstream", "--addr", "0.0.0.0:8080")
                .waitingFor(Wait.forLogMessage(".*demo upstream listening.*", 1).withStartupTimeout(Containers.STARTUP));
        gateway = demo(Images.GATEWAY).withCommand("serve", "--config", "/demo/gateway.yaml")
                .withExposedPorts(8443, 9443)
                .waitingFor(Wait.forHttp("/health").forPort(9443).forStatusCode(200).withStartupTimeout(Containers.STARTUP));
        pdp.start();
        upstream.start();
        gateway.start();
        curl = new Curl(pki, gateway.getHost(), gateway.getMappedPort(8443));
    }

    /** A container on the test network that reads the demo volume at /demo, as in the compose file. */
    private static GenericContainer<?> demo(String image) {
        return Containers.readOnly(image).withNetwork(network)
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig()
                        .withBinds(new Bind(VOLUME, new Volume("/demo"), AccessMode.ro)));
    }

    @AfterAll
    static void stop() {
        // Ryuk is disabled (its image cannot be pulled everywhere): remove everything here
        for (GenericContainer<?> c : new GenericContainer<?>[] {gateway, upstream, pdp, setup}) {
            if (c != null) {
                c.stop();
            }
        }
        if (network != null) {
            network.close();
        }
        DockerClientFactory.instance().client().removeVolumeCmd(VOLUME).exec();
    }

    @Test
    void quickstartIdentitiesThroughTheGatewayAndFailClosedWithoutThePdp() throws Exception {
        Curl.Answer partner = curl.getOnceReady("partner", "/orders", WARM_UP);
        assertThat(partner.status()).as(partner.body()).isEqualTo(200);
        // the demo upstream echoes the identity headers the gateway added
        assertThat(partner.body()).contains("\"upstream\" : \"echo\"").contains("x-ssl-client-cn");

        Curl.Answer device = curl.getOnceReady("device", "/orders", WARM_UP);
        assertThat(device.status()).as(device.body()).isEqualTo(403);
        Curl.Answer anonymous = curl.get(null, "/orders");
        assertThat(anonymous.status()).as(anonymous.body()).isEqualTo(401);
        assertThat(anonymous.body()).contains("CERT_REQUIRED");

        DockerClient docker = DockerClientFactory.instance().client();
        docker.stopContainerCmd(pdp.getContainerId()).withTimeout(30).exec();
        // a path the gateway has no cached decision for
        Curl.Answer down = curl.get("partner", "/orders/while-the-pdp-is-down");
        assertThat(down.status()).as(down.body()).isEqualTo(503);
        assertThat(down.body()).contains("PDP_UNAVAILABLE");

        docker.startContainerCmd(pdp.getContainerId()).exec();
        Curl.Answer recovered = curl.getOnceReady("partner", "/orders/after-the-pdp-is-back", WARM_UP);
        assertThat(recovered.status()).as(recovered.body()).isEqualTo(200);

        // docker stop (SIGTERM) ends the gateway and the demo upstream cleanly
        for (GenericContainer<?> c : List.of(gateway, upstream)) {
            docker.stopContainerCmd(c.getContainerId()).withTimeout(60).exec();
            Long exit = docker.inspectContainerCmd(c.getContainerId()).exec().getState().getExitCodeLong();
            assertThat(exit).as(c.getDockerImageName() + " " + c.getCommandParts()[0] + " exit code").isZero();
        }
    }
}
