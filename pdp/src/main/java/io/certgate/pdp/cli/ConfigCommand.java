package io.certgate.pdp.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code config check pdp.yaml}. */
@Command(name = "config", mixinStandardHelpOptions = true, description = "Configuration tools.",
        subcommands = ConfigCommand.Check.class)
final class ConfigCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: check");
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Validate a pdp.yaml and print every error with its location (e.g."
                    + " 'engine.pool_size: must be an integer in [1, 256], got 0'). gateway.yaml files are checked by"
                    + " 'pep-gateway.jar config check'.",
                    "Exit codes: 0 valid, 1 errors found, 2 usage error."})
    static final class Check implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "the configuration file")
        Path file;

        @Option(names = "--kind", description = "pdp (default: detected from the content)")
        ConfigChecks.Kind kind;

        @Override
        public Integer call() {
            String yaml;
            try {
                yaml = Files.readString(file);
            } catch (IOException e) {
                System.err.println(file + ": cannot read: " + e.getMessage());
                return 2;
            }
            ConfigChecks.Kind k = kind == null ? ConfigChecks.detect(yaml) : kind;
            if (k == ConfigChecks.Kind.GATEWAY) {
                System.err.println(file + " is a gateway.yaml: check it with 'java -jar pep-gateway.jar config check "
                        + file + "'");
                return 2;
            }
            return ConfigChecks.report(file.toString(), k, ConfigChecks.checkPdp(yaml, file.toString()));
        }
    }
}
