# The gateway (PEP) image. Build from the repository root:
#   docker build -f deploy/docker/gateway.Dockerfile -t certgate/gateway:dev .
# Run:  docker run -v $PWD/gw:/etc/certgate -p 8443:8443 -p 9443:9443 certgate/gateway:dev
#       (expects /etc/certgate/gateway.yaml and the certificate files it names)
FROM golang:1.25-bookworm AS go

# The build compiles policies/ with the pinned opa, which it installs with Go when absent.
FROM eclipse-temurin:17-jdk AS build
COPY --from=go /usr/local/go /usr/local/go
ENV PATH=/usr/local/go/bin:/root/go/bin:$PATH
WORKDIR /src
COPY . .
RUN ./mvnw -B -q package -DskipTests -pl pep-gateway -am

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --home-dir /opt/certgate certgate
COPY --from=build /src/pep-gateway/target/pep-gateway.jar /opt/certgate/pep-gateway.jar
USER 10001
# 8443: the mTLS listener; 9443: admin (/metrics, /health) — bind admin to 0.0.0.0 in gateway.yaml
EXPOSE 8443 9443
ENV CERTGATE_LOG_FORMAT=json
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/opt/certgate/pep-gateway.jar"]
CMD ["serve", "--config", "/etc/certgate/gateway.yaml"]
