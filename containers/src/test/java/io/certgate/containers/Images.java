package io.certgate.containers;

import java.nio.file.Files;
import java.nio.file.Path;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * The images of {@code deploy/docker}, built once per test run from the jars this build packaged and
 * kept (fixed names, not deleted on exit), so every test class and the next run reuse them and Docker's
 * layer cache makes an unchanged rebuild take seconds.
 */
final class Images {
    static final String PDP = "certgate/pdp:test";
    static final String GATEWAY = "certgate/gateway:test";
    /** What {@code deploy/docker/build-base.sh} builds from Debian packages (CI builds it before Maven). */
    static final String LOCAL_BASE = "certgate-base:bookworm-jre17";
    /** The Dockerfiles' default, pulled from the default registry. */
    static final String PUBLIC_BASE = "eclipse-temurin:17-jre";

    private static boolean built;

    private Images() {
    }

    static Path repo() {
        return Path.of(System.getProperty("certgate.repo.dir", "..")).toAbsolutePath().normalize();
    }

    /** Builds both images unless this run already did; returns nothing, the names are the constants. */
    static synchronized void build() {
        if (built) {
            return;
        }
        String base = baseImage();
        build(PDP, "deploy/docker/pdp.Dockerfile", "pdp/target/pdp.jar", base);
        build(GATEWAY, "deploy/docker/gateway.Dockerfile", "pep-gateway/target/pep-gateway.jar", base);
        built = true;
    }

    /** CERTGATE_BASE_IMAGE, else the locally built Debian base where it exists, else the public default. */
    static String baseImage() {
        String configured = System.getenv("CERTGATE_BASE_IMAGE");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        boolean local = !DockerClientFactory.instance().client().listImagesCmd()
                .withImageNameFilter(LOCAL_BASE).exec().isEmpty();
        return local ? LOCAL_BASE : PUBLIC_BASE;
    }

    private static void build(String name, String dockerfile, String jar, String base) {
        Path jarFile = repo().resolve(jar);
        if (!Files.isRegularFile(jarFile)) {
            throw new IllegalStateException(jarFile + " is missing: the images copy the packaged jar, so run these"
                    + " tests through the package phase (./mvnw -B verify, or -pl containers -am verify)");
        }
        // Only the files the Dockerfile copies form the build context, not the whole repository.
        new ImageFromDockerfile(name, false)
                .withFileFromPath(dockerfile, repo().resolve(dockerfile))
                .withFileFromPath("deploy/docker/healthcheck.sh", repo().resolve("deploy/docker/healthcheck.sh"))
                .withFileFromPath(jar, jarFile)
                .withDockerfilePath(dockerfile)
                .withBuildArg("BASE_IMAGE", base)
                .get();
    }
}
