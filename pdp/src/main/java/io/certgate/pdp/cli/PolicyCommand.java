package io.certgate.pdp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.bundle.Bundle;
import io.certgate.pdp.bundle.BundleException;
import io.certgate.pdp.bundle.BundleReader;
import io.certgate.pdp.engine.EngineOptions;
import io.certgate.pdp.engine.PolicyEngine;
import io.certgate.pdp.opa.OpaToolchain;
import io.certgate.pdp.opa.OpaToolchainException;
import io.certgate.pdp.opa.RegalLinter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code policy test DIR} and {@code policy build DIR -o bundle.tar.gz}: the checks and the compile step of the
 * PDP's own build, with the same pinned opa (found as {@code $OPA_BIN}, on {@code PATH}, in {@code .tools}, else
 * installed with Go).
 */
@Command(name = "policy", mixinStandardHelpOptions = true,
        description = "Policy tools wrapping the pinned opa (and Regal when available).",
        subcommands = {PolicyCommand.Test.class, PolicyCommand.Build.class})
public final class PolicyCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: test or build");
    }

    /** The pinned opa for a policy directory, or null (the reason printed) when either is missing. */
    @Nullable
    private static OpaToolchain toolchainFor(Path dir) {
        if (!isPolicyDirectory(dir)) {
            return null;
        }
        try {
            return OpaToolchain.locate(OpaToolchain.defaultToolsDir());
        } catch (OpaToolchainException e) {
            System.err.println(e.getMessage());
            return null;
        }
    }

    private static boolean isPolicyDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            System.err.println(dir + ": not a directory (give the directory of .rego files and data.json)");
            return false;
        }
        return true;
    }

    @Command(name = "test", mixinStandardHelpOptions = true,
            description = {"Check a policy directory like the PDP build does: opa fmt, opa check --strict,"
                    + " regal lint (when regal or Go is available), opa test. Every step runs; each reports ok or"
                    + " the tool's own output.",
                    "Exit codes: 0 all passed, 1 a step failed, 2 usage error (no such directory, no opa)."})
    static final class Test implements Callable<Integer> {
        @Parameters(paramLabel = "DIR", description = "directory of .rego, *_test.rego and data.json")
        Path dir;

        @Option(names = "--coverage", description = "also print the test coverage (overall and the uncovered"
                + " lines per file)")
        boolean coverage;

        @Override
        public Integer call() throws Exception {
            OpaToolchain opa = toolchainFor(dir);
            if (opa == null) {
                return 2;
            }
            System.out.println("opa " + opa.version() + " (" + opa.binary() + ")");
            boolean[] compiles = {true};
            boolean ok = step("opa fmt, check --strict", () -> {
                try {
                    opa.check(dir);
                } catch (OpaToolchainException e) {
                    compiles[0] = !e.getMessage().startsWith("opa check");
                    throw e;
                }
                return "ok";
            });
            if (!compiles[0]) {
                // lint and test would only repeat opa check's error
                System.out.printf("%-24s skipped (the policy does not compile)%n", "regal lint");
                System.out.printf("%-24s skipped (the policy does not compile)%n", "opa test");
                return 1;
            }
            RegalLinter regal = RegalLinter.locate(OpaToolchain.defaultToolsDir());
            if (regal == null) {
                System.out.printf("%-24s skipped (no regal and no Go to build regal v%s)%n", "regal lint",
                        RegalLinter.PINNED_VERSION);
            } else {
                ok &= step("regal lint", () -> {
                    regal.lint(dir);
                    return "ok";
                });
            }
            ok &= step("opa test", () -> coverage ? coverageReport(opa.testCoverage(dir)) : opa.test(dir).strip());
            return ok ? 0 : 1;
        }

        private static String coverageReport(String json) throws Exception {
            JsonNode report = new ObjectMapper().readTree(json);
            StringBuilder s = new StringBuilder(String.format("ok, coverage %.1f%%", report.path("coverage")
                    .asDouble()));
            for (Map.Entry<String, JsonNode> f : report.path("files").properties()) {
                List<String> lines = new ArrayList<>();
                for (JsonNode range : f.getValue().path("not_covered")) {
                    int from = range.at("/start/row").asInt();
                    int to = range.at("/end/row").asInt();
                    lines.add(from == to ? Integer.toString(from) : from + "-" + to);
                }
                if (!lines.isEmpty()) {
                    s.append(String.format("%n%-24s %s: not covered: lines %s", "", f.getKey(),
                            String.join(", ", lines)));
                }
            }
            return s.toString();
        }
    }

    @Command(name = "build", mixinStandardHelpOptions = true,
            description = {"Compile a policy directory to an OPA wasm bundle exactly as the PDP does (opa build -t"
                    + " wasm, the '# METADATA entrypoint: true' rules plus -e ones, *_test.rego left out), then load"
                    + " it in the PDP's engine and evaluate every entrypoint once (the activation smoke test), so"
                    + " a bundle that would be rejected at activation fails here.",
                    "Exit codes: 0 built and loads, 1 compile or activation failed, 2 usage error."})
    static final class Build implements Callable<Integer> {
        @Parameters(paramLabel = "DIR", description = "directory of .rego and data.json")
        Path dir;

        @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "bundle .tar.gz")
        Path output;

        @Option(names = "--revision", description = "bundle revision (default: the file name without .tar.gz)")
        String revision;

        @Option(names = {"-e", "--entrypoint"}, paramLabel = "PATH",
                description = "entrypoint in addition to the annotated ones, e.g. mtls/authz/decision; repeatable")
        List<String> entrypoints = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            OpaToolchain opa = toolchainFor(dir);
            if (opa == null) {
                return 2;
            }
            String rev = revision != null ? revision
                    : output.getFileName().toString().replaceFirst("\\.tar\\.gz$|\\.tgz$", "");
            try {
                opa.buildWasmBundle(dir, output, rev, entrypoints);
            } catch (OpaToolchainException e) {
                System.out.println("build FAILED: " + e.getMessage());
                return 1;
            }
            ObjectMapper json = new ObjectMapper();
            Bundle bundle;
            try {
                bundle = new BundleReader(json).read(Files.readAllBytes(output), output.toString());
            } catch (BundleException e) {
                System.out.println("build FAILED: " + e.getMessage());
                return 1;
            }
            if (bundle.entrypoints().isEmpty()) {
                System.out.println("build FAILED: " + output + " has no entrypoint; annotate the decision rule with"
                        + " '# METADATA' / '# entrypoint: true' or pass -e");
                return 1;
            }
            EngineOptions one = EngineOptions.defaults();
            one = new EngineOptions(1, one.acquireTimeout(), one.evaluationTimeout(), one.maxMemoryPages());
            try (PolicyEngine engine = new PolicyEngine(one, json, bundle.entrypoints())) {
                engine.activate(bundle);
            } catch (BundleException e) {
                System.out.println("build FAILED: " + output + " was compiled but does not activate: " + e.getMessage());
                return 1;
            }
            System.out.println("built " + output + " (" + Files.size(output) + " bytes, revision " + rev
                    + ") with opa " + opa.version());
            System.out.println("entrypoints: " + String.join(", ", bundle.entrypoints()));
            System.out.println("activation smoke test: ok (every entrypoint evaluated once in the PDP engine)");
            return 0;
        }
    }

    /** One step of {@code policy test}: prints its outcome and returns whether it passed. */
    private static boolean step(String name, StepBody body) {
        try {
            System.out.printf("%-24s %s%n", name, body.run());
            return true;
        } catch (OpaToolchainException e) {
            System.out.printf("%-24s FAILED%n%s%n", name, e.getMessage().strip());
            return false;
        } catch (Exception e) {
            System.out.printf("%-24s FAILED: %s%n", name, e.getMessage());
            return false;
        }
    }

    @FunctionalInterface
    private interface StepBody {
        String run() throws Exception;
    }
}
