package io.certgate.pdp.cli;

import io.certgate.pdp.opa.OpaToolchain;
import picocli.CommandLine;

final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = PdpMain.class.getPackage().getImplementationVersion();
        return new String[] {"certgate pdp " + (v == null ? "dev" : v) + " (opa " + OpaToolchain.PINNED_VERSION + ")"};
    }
}
