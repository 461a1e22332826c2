# The PDP image. Build the jar, then the image, from the repository root:
#   ./mvnw -B -q package -DskipTests -pl pdp -am
#   docker build -f deploy/docker/pdp.Dockerfile -t certgate/pdp:dev .
# The runtime base defaults to eclipse-temurin:17-jre; any image with a Java 17+ `java` on PATH, bash and
# useradd will do (deploy/docker/build-base.sh makes one from Debian packages: --build-arg BASE_IMAGE=…).
# Run:  docker run --read-only --tmpfs /tmp -p 8181:8181 certgate/pdp:dev      (embedded reference policy)
#       docker run --read-only --tmpfs /tmp -v $PWD/pdp.yaml:/etc/certgate/pdp.yaml:ro -p 8181:8181 \
#         certgate/pdp:dev serve --config /etc/certgate/pdp.yaml --addr 0.0.0.0:8181
# The PDP listens on loopback unless told otherwise (server.host in pdp.yaml, or --addr): in a container
# that would be unreachable, so the image listens on every interface. The decision API has no
# authentication; expose the port only to the gateways and proxies that call it.
ARG BASE_IMAGE=eclipse-temurin:17-jre
FROM ${BASE_IMAGE}
# /var/lib/certgate: the one directory the user may write (mount a volume there; a new named volume
# takes its owner), e.g. for the compose demo's generated PKI and configuration
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin certgate \
    && install -d -o certgate -g certgate -m 0750 /var/lib/certgate
COPY deploy/docker/healthcheck.sh /opt/certgate/healthcheck
COPY pdp/target/pdp.jar /opt/certgate/pdp.jar
USER 10001:10001
EXPOSE 8181
# Operational logs as JSON lines on stderr; decision log as JSON lines on stdout. SIGTERM drains the
# requests in flight for at most CERTGATE_SHUTDOWN_GRACE_SECONDS, then the PDP exits 0.
ENV CERTGATE_LOG_FORMAT=json CERTGATE_SHUTDOWN_GRACE_SECONDS=10 CERTGATE_HEALTH_PORT=8181
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD ["/opt/certgate/healthcheck"]
# The heap follows the container's memory limit; G1 always (below 2 CPUs or 1792 MB, the JVM would pick the
# stop-the-world serial collector); no hsperfdata file, so the root filesystem can be read-only
# (Netty unpacks its native transport into /tmp: mount a tmpfs there).
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+UseG1GC", "-XX:-UsePerfData", "-jar", "/opt/certgate/pdp.jar"]
CMD ["serve", "--addr", "0.0.0.0:8181"]
