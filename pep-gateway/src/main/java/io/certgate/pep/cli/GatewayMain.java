package io.certgate.pep.cli;

import io.certgate.pdp.cli.CertCommand;
import io.certgate.pdp.cli.DecideCommand;
import io.certgate.pdp.cli.LogFormat;
import io.certgate.pdp.cli.PolicyCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar pep-gateway.jar <command>}. */
@Command(name = "pep-gateway", mixinStandardHelpOptions = true,
        description = "certgate gateway: terminates mTLS per service and enforces PDP decisions.",
        subcommands = {ServeCommand.class, QuickstartCommand.class, ConfigCommand.class, CertCommand.class,
            DecideCommand.class, PolicyCommand.class, DemoUpstreamCommand.class})
public final class GatewayMain implements Runnable {
    public static void main(String[] args) {
        String problem = LogFormat.problem(System.getenv());
        if (problem != null) {
            System.err.println(problem);
            System.exit(2);
        }
        System.exit(run(args));
    }

    public static int run(String... args) {
        return new CommandLine(new GatewayMain()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
