package io.certgate.pdp.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code cert doctor} and {@code cert inspect}. */
@Command(name = "cert", mixinStandardHelpOptions = true,
        description = "Client certificate tools: why a certificate is rejected, and what the gateway forwards.",
        subcommands = {CertDoctorCommand.class, CertInspectCommand.class})
public final class CertCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: doctor or inspect");
    }
}
