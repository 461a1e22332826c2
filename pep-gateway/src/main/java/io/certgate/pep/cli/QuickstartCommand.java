package io.certgate.pep.cli;

import io.certgate.pdp.cli.ProcessMetrics;
import io.certgate.pep.quickstart.Quickstart;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pep-gateway.jar quickstart}: the whole product on loopback, with curl commands to try. */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
        description = {"Starts the gateway with an embedded PDP, the reference policy, a demo PKI, demo attribute",
            "providers (directory, device posture, MFA token issuer) and an echo upstream on loopback, and prints",
            "curl commands that show allow, deny and challenge. Ctrl-C stops it; the PKI is reused next time."})
public final class QuickstartCommand implements Callable<Integer> {
    @Option(names = "--dir", description = "Where the PKI and the generated configuration live (default: ${DEFAULT-VALUE}).")
    Path dir = Path.of("certgate-quickstart");

    @Option(names = "--port", description = "Gateway port (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int port = 8443;

    @Option(names = "--admin-port", description = "Metrics and health port (default: ${DEFAULT-VALUE}).")
    int adminPort = 9443;

    @Option(names = "--export-compose", description = {"Only write the PKI, a demo bundle and the pdp.yaml and",
        "gateway.yaml of deploy/compose into --dir, then exit."})
    boolean exportCompose;

    @Override
    public Integer call() throws Exception {
        if (exportCompose) {
            Quickstart.exportForCompose(dir, Clock.systemUTC());
            System.out.println("wrote the compose demo (pki/, demo-bundle.tar.gz, pdp.yaml, gateway.yaml) to "
                    + dir.toAbsolutePath().normalize());
            return 0;
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ProcessMetrics.bindTo(registry);
        Quickstart quickstart = Quickstart.start(dir, port, adminPort, registry, Clock.systemUTC());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            quickstart.close();
            stopped.countDown();
        }, "quickstart-shutdown"));
        print(quickstart, dir.toAbsolutePath().normalize(), System.out);
        stopped.await();
        return 0;
    }

    static void print(Quickstart q, Path dir, PrintStream out) {
        out.println();
        out.println("certgate quickstart: gateway on https://" + Quickstart.HOST + ":" + q.gateway().port()
                + " (service " + Quickstart.SERVICE + "), metrics on http://127.0.0.1:" + q.gateway().adminPort()
                + "/metrics");
        out.println("PKI, gateway.yaml and pdp.yaml in " + dir + "; decisions and access log lines follow below.");
        out.println("Try, from another terminal:");
        int i = 1;
        for (Quickstart.DemoRequest r : q.requests()) {
            out.println();
            out.println("# " + i++ + ". " + r.title());
            out.println(r.command());
        }
        out.println();
        out.println("Ctrl-C stops everything.");
        out.flush();
    }
}
