# The PDP image. Build from the repository root:
#   docker build -f deploy/docker/pdp.Dockerfile -t certgate/pdp:dev .
# Run:  docker run -p 8181:8181 certgate/pdp:dev                 (embedded reference policy)
#       docker run -v $PWD/pdp.yaml:/etc/certgate/pdp.yaml -p 8181:8181 certgate/pdp:dev \
#         serve --config /etc/certgate/pdp.yaml --addr 0.0.0.0:8181
# The PDP listens on loopback unless told otherwise (server.host in pdp.yaml, or --addr): in a container
# that would be unreachable, so the image listens on every interface. The decision API has no
# authentication; expose the port only to the gateways and proxies that call it.
FROM golang:1.25-bookworm AS go

# The build compiles policies/ with the pinned opa, which it installs with Go when absent.
FROM eclipse-temurin:17-jdk AS build
COPY --from=go /usr/local/go /usr/local/go
ENV PATH=/usr/local/go/bin:/root/go/bin:$PATH
WORKDIR /src
COPY . .
RUN ./mvnw -B -q package -DskipTests -pl pdp -am

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --home-dir /opt/certgate certgate
COPY --from=build /src/pdp/target/pdp.jar /opt/certgate/pdp.jar
USER 10001
EXPOSE 8181
# Operational logs as JSON lines on stderr; decision log as JSON lines on stdout.
ENV CERTGATE_LOG_FORMAT=json
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/opt/certgate/pdp.jar"]
CMD ["serve", "--addr", "0.0.0.0:8181"]
