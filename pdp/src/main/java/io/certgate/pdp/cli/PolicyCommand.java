package io.certgate.pdp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.bundle.Bundle;
import io.certgate.pdp.bundle.BundleException;
import io.certgate.pdp.bundle.BundleReader;
import io.certgate.pdp.engine.EngineOptions;
import io.certgate.pdp.engine.PolicyEngine;
import io.certgate.pdp.opa.OpaToolchain;
import io.certgate.pdp.opa.OpaToolchainException;
import io.certgate.pdp.opa.RegalLinter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
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

    /** What {@code policy build --signing-alg} accepts: the asymmetric algorithms opa signs with. */
    static final List<String> SIGNING_ALGORITHMS = List.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
            "ES256", "ES384", "ES512");

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
            if (!hasTests(dir)) {
                // opa test passes with nothing to run, which would read as a tested policy
                System.out.printf("%-24s FAILED: no *_test.rego files under %s%n", "opa test", dir);
                return 1;
            }
            ok &= step("opa test", () -> coverage ? coverageReport(opa.testCoverage(dir)) : opa.test(dir).strip());
            return ok ? 0 : 1;
        }

        private static boolean hasTests(Path dir) throws IOException {
            try (Stream<Path> files = Files.walk(dir)) {
                return files.anyMatch(f -> f.getFileName().toString().endsWith("_test.rego")
                        && Files.isRegularFile(f));
            }
        }

        /**
         * The figure from opa's line counts, rounded down, so that it reads 100.0% only when no line is left out
         * (opa's own {@code coverage} rounds 99.96 up); the lines counted include the tests', as opa counts them.
         */
        static String coverageReport(String json) throws Exception {
            JsonNode report = new ObjectMapper().readTree(json);
            long covered = report.path("covered_lines").asLong();
            long notCovered = report.path("not_covered_lines").asLong();
            long total = covered + notCovered;
            double percent = total == 0 ? 100 : Math.floor(covered * 1000.0 / total) / 10;
            StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "ok, coverage %.1f%% (%d of %d lines)",
                    percent, covered, total));
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
                    + " a bundle that would be rejected at activation fails here. With --signing-key the bundle is"
                    + " signed as 'opa build --signing-key' does (/.signatures.json), for PDPs that verify it"
                    + " (bundle.verification).",
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

        @Option(names = "--signing-key", paramLabel = "FILE",
                description = "PEM private key (RSA or EC) to sign the bundle with (/.signatures.json, OPA's format)")
        Path signingKey;

        @Option(names = "--signing-alg", paramLabel = "ALG",
                description = "RS256 (default), RS384, RS512, PS256, PS384, PS512, ES256, ES384 or ES512")
        String signingAlg;

        @Option(names = "--key-id", paramLabel = "ID",
                description = "the key id PDPs look up in bundle.verification.keys (default: default)")
        String keyId;

        @Option(names = "--scope", description = "scope claim of the signature (PDPs check bundle.verification.scope)")
        String scope;

        @Option(names = "--claims-file", paramLabel = "FILE",
                description = "JSON object of further claims for the signature, e.g. {\"iss\": \"ci\"}")
        Path claimsFile;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            OpaToolchain.Signing signing = signing();
            OpaToolchain opa = toolchainFor(dir);
            if (opa == null) {
                return 2;
            }
            String rev = revision != null ? revision
                    : output.getFileName().toString().replaceFirst("\\.tar\\.gz$|\\.tgz$", "");
            Path claims = signing == null ? null : claims(signing.keyId());
            try {
                opa.buildWasmBundle(dir, output, rev, entrypoints,
                        signing == null ? null : new OpaToolchain.Signing(signing.keyFile(), signing.algorithm(),
                                signing.keyId(), claims));
            } catch (OpaToolchainException e) {
                System.out.println("build FAILED: " + e.getMessage());
                return 1;
            } finally {
                if (claims != null) {
                    Files.deleteIfExists(claims);
                }
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
            if (signing != null) {
                System.out.println("signed: " + signing.algorithm() + " with " + signing.keyFile() + ", key id '"
                        + signing.keyId() + "'" + (scope == null ? "" : ", scope '" + scope + "'")
                        + " (PDPs verify it with the public key under bundle.verification.keys." + signing.keyId() + ")");
            }
            return 0;
        }

        /** The signing options, checked; null when the bundle is not to be signed. */
        @Nullable
        private OpaToolchain.Signing signing() {
            if (signingKey == null) {
                if (signingAlg != null || keyId != null || scope != null || claimsFile != null) {
                    throw new CommandLine.ParameterException(spec.commandLine(),
                            "--signing-alg, --key-id, --scope and --claims-file need --signing-key");
                }
                return null;
            }
            String alg = signingAlg == null ? "RS256" : signingAlg;
            if (alg.startsWith("HS")) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--signing-alg " + alg + ": HMAC"
                        + " secrets are not taken from files or the command line; sign with an RSA or EC key (RS256,"
                        + " ES256, …), whose public half the PDPs can hold without being able to sign");
            }
            if (!SIGNING_ALGORITHMS.contains(alg)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--signing-alg: '" + alg
                        + "' is not one of " + String.join(", ", SIGNING_ALGORITHMS));
            }
            if (!Files.isReadable(signingKey)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--signing-key: cannot read "
                        + signingKey);
            }
            if (claimsFile != null && !Files.isReadable(claimsFile)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--claims-file: cannot read "
                        + claimsFile);
            }
            return new OpaToolchain.Signing(signingKey, alg, keyId == null ? "default" : keyId, null);
        }

        /**
         * The claims opa signs, as a temporary file: those of {@code --claims-file}, the scope and the key id
         * (opa writes neither a {@code kid} header nor a {@code keyid} claim when given claims); null when there
         * are none beyond the key id opa adds itself.
         */
        @Nullable
        private Path claims(String id) throws Exception {
            if (claimsFile == null && scope == null) {
                return null;
            }
            ObjectMapper json = new ObjectMapper();
            ObjectNode merged = json.createObjectNode();
            if (claimsFile != null) {
                JsonNode given;
                try {
                    given = json.readTree(claimsFile.toFile());
                } catch (IOException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--claims-file: " + claimsFile
                            + " is not valid JSON: " + e.getMessage());
                }
                if (given == null || !given.isObject()) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--claims-file: " + claimsFile
                            + " must hold a JSON object of claims");
                }
                if (given.has("files")) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--claims-file: 'files' is"
                            + " written by opa, not a claim to give");
                }
                merged.setAll((ObjectNode) given);
            }
            if (scope != null) {
                if (merged.has("scope") && !merged.path("scope").asText().equals(scope)) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--scope '" + scope
                            + "' contradicts the scope '" + merged.path("scope").asText() + "' in " + claimsFile);
                }
                merged.put("scope", scope);
            }
            if (!merged.has("keyid")) {
                merged.put("keyid", id);
            }
            Path file = Files.createTempFile("certgate-claims", ".json");
            Files.write(file, json.writeValueAsBytes(merged));
            return file;
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
