package io.certgate.containers;

import java.time.Duration;
import java.util.Map;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/** The product's containers as an operator should run them: read-only root filesystem, tmpfs on /tmp. */
final class Containers {
    static final int PDP_PORT = 8181;
    /** Generous: a JVM starting on a busy 2-core machine can take a minute before it listens. */
    static final Duration STARTUP = Duration.ofMinutes(3);

    private Containers() {
    }

    static GenericContainer<?> readOnly(String image) {
        return new GenericContainer<>(DockerImageName.parse(image))
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withReadonlyRootfs(true))
                .withTmpFs(Map.of("/tmp", "rw,size=64m"));
    }

    /** The PDP image as it comes (embedded reference policy on 0.0.0.0:8181), ready once /health is 200. */
    static GenericContainer<?> pdp(String image) {
        return readOnly(image).withExposedPorts(PDP_PORT)
                .waitingFor(Wait.forHttp("/health").forPort(PDP_PORT).forStatusCode(200).withStartupTimeout(STARTUP));
    }
}
