package io.certgate.pep.cli;

import io.certgate.pdp.cli.ProcessMetrics;
import io.certgate.pep.quickstart.Quickstart;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import com.linecorp.armeria.common.annotation.Nullable;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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
final class QuickstartCommand implements Callable<Integer> {
    @Option(names = "--dir", description = "Where the PKI and the generated configuration live (default: ${DEFAULT-VALUE}).")
    Path dir = Path.of("certgate-quickstart");

    @Option(names = "--port", description = "Gateway port (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int port = 8443;

    @Option(names = "--admin-port", description = "Metrics and health port (default: ${DEFAULT-VALUE}).")
    int adminPort = 9443;

    @Option(names = "--issuer-port", description = {"Port of the demo MFA token issuer and device posture service",
        "on 127.0.0.1 (default: ${DEFAULT-VALUE}; 0 = any free port)."})
    int issuerPort = 9480;

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
        // before anything is written: a taken port must not leave rewritten files behind
        String taken = taken(port, "--port", "the gateway");
        if (taken == null) {
            taken = taken(adminPort, "--admin-port", "the metrics and health endpoint");
        }
        if (taken == null) {
            taken = taken(issuerPort, "--issuer-port", "the demo token issuer");
        }
        if (taken != null) {
            System.err.println("quickstart: " + taken);
            return 2;
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ProcessMetrics.bindTo(registry);
        Quickstart quickstart = Quickstart.start(dir, port, adminPort, issuerPort, registry, Clock.systemUTC());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            quickstart.close();
            stopped.countDown();
        }, "quickstart-shutdown"));
        print(quickstart, dir.toAbsolutePath().normalize(), System.out);
        stopped.await();
        return 0;
    }

    /** Null when {@code port} (0 = any) can be bound, else what to tell the user. */
    @Nullable
    static String taken(int port, String option, String what) {
        if (port == 0) {
            return null;
        }
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(port));
            return null;
        } catch (IOException e) {
            return "port " + port + " (" + what + ") is already in use: stop what listens there or choose another"
                    + " with " + option + " (0 = any free port)";
        }
    }

    static void print(Quickstart q, Path dir, PrintStream out) {
        out.println();
        out.println("certgate quickstart: gateway on https://" + Quickstart.HOST + ":" + q.gateway().port()
                + " (service " + Quickstart.SERVICE + "), metrics on http://127.0.0.1:" + q.gateway().adminPort()
                + "/metrics");
        out.println("PKI, gateway.yaml and pdp.yaml in " + dir + "; decisions and access log lines follow below.");
        out.println("CAs: pki/ca.pem (root), pki/intermediate.pem (issuing CA), pki/ca-chain.pem (both: for nginx's"
                + " ssl_client_certificate and the PDP's interop.verify_ca_file).");
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
