package io.certgate.containers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.model.HealthCheck;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.MediaType;
import io.certgate.pdp.Pdp;
import io.certgate.pdp.api.grpc.v1.DecideRequest;
import io.certgate.pdp.api.grpc.v1.DecideResponse;
import io.certgate.pdp.api.grpc.v1.DecisionServiceGrpc.DecisionServiceBlockingStub;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.pdp.server.PdpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;

/**
 * The PDP image on a read-only root filesystem: its HEALTHCHECK turns healthy once the embedded bundle
 * is active, and it decides every sample input as the in-process PDP does, over OPA REST and gRPC.
 */
@DockerTest
class PdpImageTest {
    private static final String ENTRYPOINT = "mtls/authz/decision";
    private static final ObjectMapper JSON = new ObjectMapper();

    static GenericContainer<?> container;
    static Pdp inProcess;
    static PdpServer inProcessServer;

    @BeforeAll
    static void start() throws Exception {
        Images.build();
        container = Containers.pdp(Images.PDP)
                // the image's own HEALTHCHECK (bash, /dev/tcp, GET /health) must report healthy
                .withCreateContainerCmdModifier(cmd -> cmd.withHealthcheck(new HealthCheck()
                        .withTest(List.of("CMD", "/opt/certgate/healthcheck"))
                        .withInterval(1_000_000_000L).withTimeout(5_000_000_000L).withRetries(3)
                        .withStartPeriod(Containers.STARTUP.toNanos())))
                .waitingFor(Wait.forHealthcheck().withStartupTimeout(Containers.STARTUP));
        container.start();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        inProcess = Pdp.start(PdpConfig.parse("server: {port: 0}", "in-process"), registry, Clock.systemUTC());
        inProcessServer = new PdpServer(inProcess, registry).start();
    }

    @AfterAll
    static void stop() {
        if (inProcessServer != null) {
            inProcessServer.close();
            inProcess.close();
        }
        if (container != null) {
            container.stop();
        }
    }

    private static String containerBase() {
        return "http://" + container.getHost() + ":" + container.getMappedPort(8181);
    }

    private static String inProcessBase() {
        return "http://127.0.0.1:" + inProcessServer.port();
    }

    private static List<Path> sampleInputs() throws Exception {
        try (Stream<Path> files = Files.list(Images.repo().resolve("testdata/inputs"))) {
            List<Path> inputs = new ArrayList<>(files.filter(f -> f.toString().endsWith(".json")).sorted().toList());
            assertThat(inputs).hasSizeGreaterThanOrEqualTo(3);
            return inputs;
        }
    }

    @Test
    void healthIsOkWithTheEmbeddedBundleActive() throws Exception {
        JsonNode health = JSON.readTree(WebClient.of(containerBase()).get("/health").aggregate().join().contentUtf8());
        assertThat(health.get("status").asText()).isEqualTo("ok");
        assertThat(health.get("revision").asText()).isEqualTo("reference");
        var config = container.getCurrentContainerInfo().getConfig();
        assertThat(config.getUser()).isEqualTo("10001:10001");
        // the image declares the check this test ran (at a shorter interval)
        HealthCheck declared = container.getDockerClient().inspectImageCmd(Images.PDP).exec().getConfig().getHealthcheck();
        assertThat(declared.getTest()).containsExactly("CMD", "/opt/certgate/healthcheck");
    }

    @Test
    void restDecisionsMatchTheInProcessPdp() throws Exception {
        for (Path input : sampleInputs()) {
            String body = "{\"input\": " + Files.readString(input) + "}";
            JsonNode inContainer = restDecision(containerBase(), body);
            JsonNode expected = restDecision(inProcessBase(), body);
            assertThat(summary(inContainer)).as(input.getFileName().toString()).isEqualTo(summary(expected));
        }
    }

    @Test
    void grpcDecisionsMatchTheInProcessPdp() throws Exception {
        DecisionServiceBlockingStub remote = GrpcClients.newClient(containerBase(), DecisionServiceBlockingStub.class);
        DecisionServiceBlockingStub local = GrpcClients.newClient(inProcessBase(), DecisionServiceBlockingStub.class);
        for (Path input : sampleInputs()) {
            Struct.Builder struct = Struct.newBuilder();
            JsonFormat.parser().merge(Files.readString(input), struct);
            DecideRequest request = DecideRequest.newBuilder().setEntrypoint(ENTRYPOINT).setInput(struct).build();
            DecideResponse inContainer = remote.decide(request);
            DecideResponse expected = local.decide(request);
            assertThat(summary(inContainer)).as(input.getFileName().toString()).isEqualTo(summary(expected));
        }
    }

    private static JsonNode restDecision(String base, String body) throws Exception {
        var res = WebClient.of(base).prepare().post("/v1/data/" + ENTRYPOINT).content(MediaType.JSON, body).execute()
                .aggregate().join();
        assertThat(res.status().code()).as(base + ": " + res.contentUtf8()).isEqualTo(200);
        return JSON.readTree(res.contentUtf8()).get("result");
    }

    /**
     * What must agree: effect, status, reason codes and obligations. Messages may name the minute of the
     * evaluation, which two calls need not share.
     */
    private static String summary(JsonNode result) {
        List<String> codes = new ArrayList<>();
        result.get("reasons").forEach(r -> codes.add(r.get("code").asText()));
        return result.get("effect").asText() + " " + result.get("status").asInt() + " " + codes + " "
                + result.get("obligations");
    }

    private static String summary(DecideResponse r) {
        List<String> codes = new ArrayList<>();
        r.getReasonsList().forEach(reason -> codes.add(reason.getCode()));
        return r.getEffect() + " " + r.getStatus() + " " + codes + " " + new TreeMap<>(r.getObligationHeadersMap());
    }
}
