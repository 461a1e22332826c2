package io.certgate.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.certgate.pdp.Pdp;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.pdp.decision.Decision;
import io.certgate.pdp.engine.LoadedPolicy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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

/**
 * One evaluation of the reference policy over a realistic input ({@code policies/testdata/allow.json}).
 * {@code wasmEvaluate} is the policy alone (input already serialized); {@code decide} is what an
 * embedding gateway pays: input enrichment, evaluation, decision validation and metrics.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(1)
public class DecisionBenchmark {
    @Param("../testdata/inputs/allow.json")
    public String inputFile;

    /** A bundle {@code .tar.gz} to measure instead of the embedded reference bundle ("" = reference). */
    @Param("")
    public String bundle;

    private Pdp pdp;
    private LoadedPolicy policy;
    private ObjectNode input;
    private String inputJson;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        PdpConfig cfg = PdpConfig.defaults().withOverrides(0, bundle.isEmpty() ? null : bundle, null, null).withDecisionCache(0, false);
        pdp = Pdp.start(cfg, new SimpleMeterRegistry(), Clock.systemUTC());
        policy = pdp.engine().require();
        input = (ObjectNode) new ObjectMapper().readTree(Files.readString(Path.of(inputFile)));
        inputJson = new ObjectMapper().writeValueAsString(input);
        Decision check = pdp.decisions().decide(null, input.deepCopy(), null, true);
        if (!check.allowed()) {
            throw new IllegalStateException("the benchmark input must be allowed, got " + check);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pdp.close();
    }

    @Benchmark
    public String wasmEvaluate() throws Exception {
        return policy.evaluate(PdpConfig.DEFAULT_ENTRYPOINT, inputJson);
    }

    @Benchmark
    public Decision decide() throws Exception {
        return pdp.decisions().decide(null, input.deepCopy(), null, true);
    }
}
