package io.certgate.pep.cli;

import com.linecorp.armeria.server.Server;
import io.certgate.pdp.cli.StopSignals;
import io.certgate.pdp.config.ListenAddress;
import io.certgate.pep.quickstart.Quickstart;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code pep-gateway.jar demo-upstream}: the quickstart's echo upstream alone, e.g. as the compose file's upstream. */
@Command(name = "demo-upstream", mixinStandardHelpOptions = true,
        description = {"Serves plain HTTP that answers every request with its method, path and the headers it",
            "received (the identity headers the gateway adds), like the quickstart's upstream. SIGTERM stops it."})
final class DemoUpstreamCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--addr", paramLabel = "HOST:PORT", description = "listen address (default: ${DEFAULT-VALUE})")
    String addr = "127.0.0.1:8080";

    @Override
    public Integer call() throws Exception {
        ListenAddress address;
        try {
            address = ListenAddress.parse(addr);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--addr: " + e.getMessage());
        }
        Server server = Quickstart.echoUpstream(address.resolve());
        StopSignals signals = StopSignals.install(); // before the announcement, which callers act on
        System.err.println("certgate demo upstream listening on http://"
                + ListenAddress.authority(server.activePort().localAddress()));
        signals.await();
        server.stop().join();
        return 0;
    }
}
