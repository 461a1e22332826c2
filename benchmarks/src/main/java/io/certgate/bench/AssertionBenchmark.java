package io.certgate.bench;

import io.certgate.pep.assertion.AssertionKeys;
import io.certgate.pep.assertion.AssertionSigner;
import io.certgate.pep.assertion.SigningKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a signed identity assertion adds to a forwarded request, in requests per second of that step:
 * {@code none} (a service without assertions: only the identity is built), {@code cached} (the default:
 * one signature per identity and period) and {@code signed} ({@code cache: false}, ES256 per request).
 * Compare with the gateway's own throughput (benchmarks/compare.sh) to see the share of the request budget.
 *
 * <p>{@code java -jar benchmarks/target/benchmarks.jar AssertionBenchmark -p keyFile=assertion.pem}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class AssertionBenchmark {
    @Param({"none", "cached", "signed"})
    public String mode;

    /** An EC P-256 PEM private key; generated when empty. */
    @Param("")
    public String keyFile;

    private AssertionSigner signer;
    private long counter;

    @Setup
    public void setup() throws Exception {
        Path key;
        if (keyFile.isEmpty()) {
            key = Files.createTempFile("assertion", ".pem");
            Process p = new ProcessBuilder("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-out", key.toString()).inheritIO().start();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("openssl genpkey failed");
            }
        } else {
            key = Path.of(keyFile);
        }
        AssertionKeys keys = new AssertionKeys("certgate", List.of(SigningKey.load("bench", key)));
        signer = new AssertionSigner(keys, "partner-api", Duration.ofSeconds(60), !mode.equals("signed"),
                Clock.systemUTC());
    }

    @Benchmark
    public Object assertion() {
        // a fixed set of 100 partners, as on a partner-facing service
        AssertionSigner.Identity id = new AssertionSigner.Identity("client-" + (counter++ % 100), "client",
                "partner", List.of("orders.read", "orders.write"),
                "903400f057855f842293a366b0ea5e498f31cf010aa509acc28947e3b20f9b79");
        return mode.equals("none") ? id : signer.assertion(id, "0b6c1d0e-6f2e-4f7b-9a43-2f1c7e9d8a51");
    }
}
