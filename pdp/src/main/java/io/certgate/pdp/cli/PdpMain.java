package io.certgate.pdp.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar pdp.jar <command>}. */
@Command(name = "pdp", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "certgate Policy Decision Point: conditional access for mTLS traffic.",
        subcommands = {ServeCommand.class, DecideCommand.class, CertCommand.class, PolicyCommand.class,
                ConfigCommand.class})
public final class PdpMain implements Runnable {
    public static void main(String[] args) {
        String problem = LogFormat.problem(System.getenv());
        if (problem != null) {
            System.err.println(problem);
            System.exit(2);
        }
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code (for tests). */
    public static int run(String... args) {
        return new CommandLine(new PdpMain()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
