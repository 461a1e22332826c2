# The gateway (PEP) image. Build the jar, then the image, from the repository root:
#   ./mvnw -B -q package -DskipTests -pl pep-gateway -am
#   docker build -f deploy/docker/gateway.Dockerfile -t certgate/gateway:dev .
# The runtime base defaults to eclipse-temurin:17-jre; any image with a Java 17+ `java` on PATH, bash and
# useradd will do (deploy/docker/build-base.sh makes one from Debian packages: --build-arg BASE_IMAGE=…).
# Run:  docker run --read-only --tmpfs /tmp -v $PWD/gw:/etc/certgate:ro -p 8443:8443 -p 9443:9443 certgate/gateway:dev
#       (expects /etc/certgate/gateway.yaml and the certificate files it names)
ARG BASE_IMAGE=eclipse-temurin:17-jre
FROM ${BASE_IMAGE}
# /var/lib/certgate: the one directory the user may write (mount a volume there; a new named volume
# takes its owner), e.g. for the compose demo's generated PKI and configuration
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin certgate \
    && install -d -o certgate -g certgate -m 0750 /var/lib/certgate
COPY deploy/docker/healthcheck.sh /opt/certgate/healthcheck
COPY pep-gateway/target/pep-gateway.jar /opt/certgate/pep-gateway.jar
USER 10001:10001
# 8443: the mTLS listener; 9443: admin (/metrics, /health) — bind admin to 0.0.0.0 in gateway.yaml to scrape it
EXPOSE 8443 9443
# SIGTERM drains the requests in flight for at most CERTGATE_SHUTDOWN_GRACE_SECONDS, then the gateway exits 0.
# The health check asks the admin port: keep CERTGATE_HEALTH_PORT equal to admin.port of gateway.yaml.
ENV CERTGATE_LOG_FORMAT=json CERTGATE_SHUTDOWN_GRACE_SECONDS=10 CERTGATE_HEALTH_PORT=9443
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD ["/opt/certgate/healthcheck"]
# The heap follows the container's memory limit; G1 always (below 2 CPUs or 1792 MB, the JVM would pick the
# stop-the-world serial collector); no hsperfdata file, so the root filesystem can be read-only
# (Netty unpacks its native transport into /tmp: mount a tmpfs there).
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+UseG1GC", "-XX:-UsePerfData", "-jar", "/opt/certgate/pep-gateway.jar"]
CMD ["serve", "--config", "/etc/certgate/gateway.yaml"]
