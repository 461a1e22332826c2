package io.certgate.pdp.opa;

import java.nio.file.Path;
import java.util.List;

/**
 * Build step: checks, tests and compiles {@code policies/} into the bundle embedded in the PDP jar.
 * Arguments: policies dir, output bundle, tools dir, skip-tests flag.
 */
public final class BuildReferenceBundle {
    private BuildReferenceBundle() {}

    public static void main(String[] args) {
        Path policies = Path.of(args[0]);
        Path output = Path.of(args[1]);
        Path tools = Path.of(args[2]);
        boolean skipTests = args.length > 3 && Boolean.parseBoolean(args[3]);
        OpaToolchain opa = OpaToolchain.locate(tools);
        String version = opa.version();
        if (!version.equals(OpaToolchain.PINNED_VERSION)) {
            System.out.println("[policies] warning: using opa " + version + " from " + opa.binary()
                    + "; the build is pinned to " + OpaToolchain.PINNED_VERSION);
        }
        System.out.println("[policies] opa " + version + " at " + opa.binary());
        opa.check(policies);
        System.out.println("[policies] opa fmt and opa check --strict: clean");
        RegalLinter regal = RegalLinter.locate(tools);
        if (regal == null) {
            System.out.println("[policies] regal lint skipped: no regal and no Go to build regal v"
                    + RegalLinter.PINNED_VERSION);
        } else {
            regal.lint(policies);
            System.out.println("[policies] regal lint (" + regal.binary() + "): clean");
        }
        if (!skipTests) {
            String report = opa.test(policies);
            System.out.println("[policies] opa test: " + report.strip());
        }
        opa.buildWasmBundle(policies, output, "reference", List.of());
        System.out.println("[policies] compiled " + policies + " -> " + output);
    }
}
