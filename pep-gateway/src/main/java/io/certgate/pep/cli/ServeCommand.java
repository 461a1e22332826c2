package io.certgate.pep.cli;

import io.certgate.pdp.cli.ProcessMetrics;
import io.certgate.pdp.config.ConfigException;
import io.certgate.pdp.config.ListenAddress;
import io.certgate.pep.GatewayServer;
import io.certgate.pep.config.ConfigFilesCheck;
import io.certgate.pep.config.GatewayConfig;
import io.certgate.pep.ratelimit.StoreConnectException;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the gateway from a gateway.yaml.")
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "gateway.yaml")
    Path config;

    @Override
    public Integer call() throws Exception {
        GatewayConfig cfg;
        try {
            cfg = GatewayConfig.load(config);
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        // the checks of 'config check', with its located messages: an expired certificate or a truncated PEM
        // stops the start instead of surfacing later (or never)
        List<String> errors = ConfigFilesCheck.check(cfg, Instant.now());
        if (!errors.isEmpty()) {
            System.err.println(config + " has " + errors.size() + " error(s):\n  " + String.join("\n  ", errors));
            return 2;
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ProcessMetrics.bindTo(registry);
        GatewayServer gateway;
        try {
            gateway = new GatewayServer(cfg, config, registry, Clock.systemUTC()).start();
        } catch (StoreConnectException e) {
            // a configuration error only a connection reveals; reported like the parser's
            System.err.println(config + " has 1 error(s):\n  " + e.getMessage());
            return 2;
        }
        System.err.println("certgate gateway listening on https://" + ListenAddress.authority(gateway.localAddress())
                + " with " + cfg.services().size() + " service(s), PDP " + gateway.pdp().describe());
        reloadOnHangup(gateway);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            stopped.countDown();
        }, "gateway-shutdown"));
        stopped.await();
        return 0;
    }

    /**
     * SIGHUP reloads gateway.yaml and re-checks every certificate file, like {@code POST /admin/reload}. Uses
     * {@code sun.misc.Signal} (jdk.unsupported), the JDK's only signal API; where it is missing, the admin
     * endpoint remains.
     */
    private static void reloadOnHangup(GatewayServer gateway) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> {
                // the signal dispatcher thread: reload on a thread of its own
                Thread t = new Thread(() -> System.err.println("SIGHUP: " + gateway.reload().summary()),
                        "gateway-sighup-reload");
                t.setDaemon(true);
                t.start();
            });
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            System.err.println("SIGHUP cannot be handled here (" + e + "); use POST /admin/reload");
        }
    }
}
