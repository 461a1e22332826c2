package io.certgate.bench;

import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import com.linecorp.armeria.client.grpc.GrpcClients;
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
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/** A gRPC {@code Decide} round trip over loopback HTTP/2 to a PDP serving the reference policy. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(1)
public class GrpcRoundTripBenchmark {
    @Param("../testdata/inputs/allow.json")
    public String inputFile;

    private Pdp pdp;
    private PdpServer server;
    private DecisionServiceBlockingStub stub;
    private DecideRequest request;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        PdpConfig cfg = PdpConfig.defaults().withOverrides(0, null, null, null).withDecisionCache(0, false);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // The server sets input.time itself: run it at the instant the sample input was taken, so time
        // windows decide as they did then and the figure is for the same (allowed) evaluation at any hour.
        java.time.Instant at = java.time.Instant.parse(new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(Files.readString(Path.of(inputFile))).at("/time/now").asText());
        pdp = Pdp.start(cfg, registry, Clock.fixed(at, java.time.ZoneOffset.UTC));
        server = new PdpServer(pdp, registry).start();
        stub = GrpcClients.newClient("http://127.0.0.1:" + server.port(), DecisionServiceBlockingStub.class);
        Struct.Builder input = Struct.newBuilder();
        JsonFormat.parser().merge(Files.readString(Path.of(inputFile)), input);
        input.removeFields("time"); // the server sets time itself
        request = DecideRequest.newBuilder().setInput(input).build();
        DecideResponse check = stub.decide(request);
        if (!"allow".equals(check.getEffect())) {
            throw new IllegalStateException("the benchmark input must be allowed, got " + check);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        server.close();
        pdp.close();
    }

    @Benchmark
    public DecideResponse decide() {
        return stub.decide(request);
    }
}
