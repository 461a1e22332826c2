package io.certgate.pep.cli;

import io.certgate.pdp.cli.ProcessMetrics;
import io.certgate.pdp.cli.StopSignals;
import io.certgate.pdp.config.ConfigException;
import io.certgate.pdp.config.ListenAddress;
import io.certgate.pdp.server.ShutdownGrace;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the gateway from a gateway.yaml.")
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "gateway.yaml")
    Path config;

    @Option(names = "--shutdown-grace-seconds", paramLabel = "SECONDS",
            defaultValue = "${env:CERTGATE_SHUTDOWN_GRACE_SECONDS:-10}",
            description = {"on SIGTERM/SIGINT, answer the requests in flight for at most this long, then exit 0"
                    + " (default ${DEFAULT-VALUE}; env CERTGATE_SHUTDOWN_GRACE_SECONDS; 0 stops at once)"})
    int shutdownGraceSeconds;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (shutdownGraceSeconds < 0 || shutdownGraceSeconds > 3600) {
            throw new ParameterException(spec.commandLine(),
                    "--shutdown-grace-seconds (or CERTGATE_SHUTDOWN_GRACE_SECONDS) must be 0..3600, not "
                            + shutdownGraceSeconds);
        }
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
            gateway = new GatewayServer(cfg, config, registry, Clock.systemUTC(),
                    ShutdownGrace.ofSeconds(shutdownGraceSeconds)).start();
        } catch (StoreConnectException e) {
            // a configuration error only a connection reveals; reported like the parser's
            System.err.println(config + " has 1 error(s):\n  " + e.getMessage());
            return 2;
        }
        StopSignals signals = StopSignals.install(); // before the announcement, which callers act on
        System.err.println("certgate gateway listening on https://" + ListenAddress.authority(gateway.localAddress())
                + " with " + cfg.services().size() + " service(s), PDP " + gateway.pdp().describe());
        reloadOnHangup(gateway);
        String signal = signals.await();
        System.err.println("certgate gateway stopping on SIG" + signal + ": draining requests in flight for at most "
                + shutdownGraceSeconds + " s");
        gateway.close();
        System.err.println("certgate gateway stopped");
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
