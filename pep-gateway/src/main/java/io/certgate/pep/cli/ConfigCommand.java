package io.certgate.pep.cli;

import io.certgate.pdp.cli.ConfigChecks;
import io.certgate.pdp.config.ConfigException;
import io.certgate.pep.config.ConfigFilesCheck;
import io.certgate.pep.config.GatewayConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code config check gateway.yaml|pdp.yaml}. */
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
            description = {"Validate a gateway.yaml or pdp.yaml and print every error with its location (e.g."
                    + " 'services[0].mtls.ca_file: …'). For a gateway.yaml the files it names are read too: server"
                    + " certificate and key must parse and match, CA bundles and CRLs must parse, certificates must"
                    + " be within their validity.",
                    "Exit codes: 0 valid, 1 errors found, 2 usage error."})
    static final class Check implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "the configuration file")
        Path file;

        @Option(names = "--kind", description = "gateway or pdp (default: detected from the content)")
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
            String name = file.toString();
            if (k == ConfigChecks.Kind.PDP) {
                return ConfigChecks.report(name, k, ConfigChecks.checkPdp(yaml, name));
            }
            List<String> errors;
            try {
                GatewayConfig cfg = GatewayConfig.parse(yaml, name, file.toAbsolutePath().getParent());
                errors = ConfigFilesCheck.check(cfg, Instant.now());
            } catch (ConfigException e) {
                errors = e.errors();
            }
            return ConfigChecks.report(name, k, errors);
        }
    }
}
