package io.certgate.pdp.cli;

import io.certgate.pdp.Pdp;
import io.certgate.pdp.config.ConfigException;
import io.certgate.pdp.config.ListenAddress;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.pdp.server.PdpServer;
import io.certgate.pdp.server.ShutdownGrace;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve decisions over gRPC and HTTP on one port (default 127.0.0.1:8181).")
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", description = "pdp.yaml; every key is optional")
    Path config;

    @Option(names = "--bundle", description = "OPA wasm bundle (.tar.gz) file or http(s) URL, polled for changes")
    String bundle;

    @Option(names = "--policies", description = "directory of .rego and data.json, compiled with the pinned opa"
            + " at start and on change")
    Path policies;

    @Option(names = "--addr", paramLabel = "HOST:PORT", description = {"listen address (default 127.0.0.1:8181:"
            + " loopback only, as OPA 1.x); 0.0.0.0:8181, :8181 or [::]:8181 for every interface. Overrides"
            + " server.host and server.port of pdp.yaml."})
    String addr;

    @Option(names = "--port", description = "listen port on server.host (default 8181)")
    Integer port;

    @Option(names = "--entrypoint", description = "default decision entrypoint (default mtls/authz/decision)")
    String entrypoint;

    @Option(names = "--authzen-entrypoint", description = "entrypoint of AuthZEN requests (default authzen/decision)")
    String authzenEntrypoint;

    @Option(names = "--shutdown-grace-seconds", paramLabel = "SECONDS",
            defaultValue = "${env:CERTGATE_SHUTDOWN_GRACE_SECONDS:-10}",
            description = {"on SIGTERM/SIGINT, answer the requests in flight for at most this long, then exit 0"
                    + " (default ${DEFAULT-VALUE}; env CERTGATE_SHUTDOWN_GRACE_SECONDS; 0 stops at once)"})
    int shutdownGraceSeconds;

    @Override
    public Integer call() throws Exception {
        if (shutdownGraceSeconds < 0 || shutdownGraceSeconds > 3600) {
            throw new ParameterException(spec.commandLine(),
                    "--shutdown-grace-seconds (or CERTGATE_SHUTDOWN_GRACE_SECONDS) must be 0..3600, not "
                            + shutdownGraceSeconds);
        }
        PdpConfig cfg;
        try {
            cfg = config == null ? PdpConfig.defaults() : PdpConfig.load(config);
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        cfg = cfg.withOverrides(port, bundle, policies, entrypoint);
        if (addr != null) {
            if (port != null) {
                throw new ParameterException(spec.commandLine(), "use --addr HOST:PORT or --port, not both");
            }
            try {
                cfg = cfg.withAddress(ListenAddress.parse(addr));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--addr: " + e.getMessage());
            }
        }
        if (authzenEntrypoint != null) {
            cfg = cfg.withInterop(cfg.interop().withAuthzenEntrypoint(authzenEntrypoint));
        }
        // as config check reads them, so a bad file stops serve with its key rather than with a stack trace or
        // not at all (an expired CA); a missing local bundle is not checked: serve polls it until it appears
        List<String> errors = ConfigChecks.trustFileErrors(cfg, Instant.now());
        if (!errors.isEmpty()) {
            errors.forEach(System.err::println);
            return 2;
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ProcessMetrics.bindTo(registry);
        Pdp pdp;
        try {
            pdp = Pdp.start(cfg, registry, Clock.systemUTC(), false);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage()); // settings that contradict each other, e.g. verification without a bundle
            return 2;
        }
        PdpServer server;
        try {
            server = new PdpServer(pdp, registry, ShutdownGrace.ofSeconds(shutdownGraceSeconds)).start();
        } catch (IllegalArgumentException e) {
            // a setting that can only be checked when used, e.g. an unreadable interop.verify_ca_file
            System.err.println(e.getMessage());
            pdp.close();
            return 2;
        } catch (CompletionException e) {
            System.err.println("cannot listen on " + cfg.address() + ": " + e.getCause().getMessage());
            pdp.close();
            return 2;
        }
        StopSignals signals = StopSignals.install(); // before the announcement, which callers act on
        System.out.println("certgate PDP listening on http://" + ListenAddress.authority(server.localAddress())
                + " (gRPC pdp.v1.DecisionService and envoy.service.auth.v3.Authorization, POST /v1/data/{path}, "
                + "/access/v1/evaluation(s), /forward-auth, /health, /v1/status, /metrics, /docs)");
        String signal = signals.await();
        System.err.println("certgate PDP stopping on SIG" + signal + ": draining requests in flight for at most "
                + shutdownGraceSeconds + " s");
        server.close();
        pdp.close();
        System.err.println("certgate PDP stopped");
        return 0;
    }
}
