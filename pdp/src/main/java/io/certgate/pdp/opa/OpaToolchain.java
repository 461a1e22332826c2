package io.certgate.pdp.opa;

import com.linecorp.armeria.common.annotation.Nullable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pinned OPA compiler, found as {@code $OPA_BIN}, else {@code opa} on {@code PATH}, else the
 * project-local tools folder, else installed there with {@code go install}.
 *
 * <p>Every call runs the binary as a child process with a timeout and fails with the tool's own
 * output, so a policy error reads the same as on the command line.
 */
public final class OpaToolchain {
    private static final Logger log = LoggerFactory.getLogger(OpaToolchain.class);
    private static final long TIMEOUT_SECONDS = 300;

    /** The OPA version this build is pinned to. */
    public static final String PINNED_VERSION = readPinnedVersion();

    private final Path binary;

    private OpaToolchain(Path binary) {
        this.binary = binary;
    }

    /** Uses exactly this binary. */
    public static OpaToolchain of(Path binary) {
        return new OpaToolchain(binary);
    }

    /**
     * Finds or installs opa. {@code toolsDir} is where a pinned copy lives or will be installed
     * ({@code <toolsDir>/opa-v<version>/opa}).
     */
    public static OpaToolchain locate(Path toolsDir) {
        return locate(toolsDir, System.getenv());
    }

    static OpaToolchain locate(Path toolsDir, Map<String, String> env) {
        String fromEnv = env.get("OPA_BIN");
        if (fromEnv != null && !fromEnv.isBlank()) {
            Path p = Path.of(fromEnv);
            if (!Files.isExecutable(p)) {
                throw new OpaToolchainException(
                        "OPA_BIN is set to '" + fromEnv + "' but that is not an executable file;"
                                + " point it at the opa " + PINNED_VERSION + " binary or unset it");
            }
            return new OpaToolchain(p);
        }
        Path onPath = Processes.findOnPath("opa", env.get("PATH"));
        if (onPath != null) {
            return new OpaToolchain(onPath);
        }
        Path pinned = pinnedLocation(toolsDir);
        if (Files.isExecutable(pinned)) {
            return new OpaToolchain(pinned);
        }
        Path go = Processes.findOnPath("go", env.get("PATH"));
        if (go == null) {
            throw new OpaToolchainException(
                    "The OPA compiler was not found and cannot be installed: no 'opa' on PATH,"
                            + " no OPA_BIN, and no Go toolchain. Either install Go (then the build"
                            + " runs 'go install github.com/open-policy-agent/opa@v" + PINNED_VERSION
                            + "' into " + toolsDir + "), or download opa " + PINNED_VERSION
                            + " and set OPA_BIN to its path.");
        }
        install(go, pinned.getParent());
        return new OpaToolchain(pinned);
    }

    /**
     * The tools folder for a running PDP: {@code $CERTGATE_TOOLS_DIR}, else the project's git-ignored
     * {@code .tools} in the working directory or a parent, else {@code ~/.cache/certgate/tools}.
     */
    public static Path defaultToolsDir() {
        String env = System.getenv("CERTGATE_TOOLS_DIR");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve(".tools"))) {
                return dir.resolve(".tools");
            }
        }
        return Path.of(System.getProperty("user.home"), ".cache", "certgate", "tools");
    }

    /** Where the pinned copy lives inside a tools folder. */
    public static Path pinnedLocation(Path toolsDir) {
        return toolsDir.resolve("opa-v" + PINNED_VERSION).resolve("opa");
    }

    private static void install(Path go, Path binDir) {
        log.info("Installing opa v{} into {} with go install (one-time, takes a minute or two)",
                PINNED_VERSION, binDir);
        try {
            Files.createDirectories(binDir);
        } catch (IOException e) {
            throw new OpaToolchainException("cannot create " + binDir + ": " + e.getMessage(), e);
        }
        Processes.require("go install of opa v" + PINNED_VERSION,
                List.of(go.toString(), "install", "github.com/open-policy-agent/opa@v" + PINNED_VERSION), null,
                Map.of("GOBIN", binDir.toAbsolutePath().toString(), "CGO_ENABLED", "0"), null, 900);
    }

    public Path binary() {
        return binary;
    }

    /** The version the binary reports, e.g. {@code 1.12.1}. */
    public String version() {
        Processes.Result r = exec(List.of("version"), null);
        for (String line : r.output().split("\n")) {
            if (line.startsWith("Version:")) {
                return line.substring("Version:".length()).trim();
            }
        }
        throw new OpaToolchainException("cannot read the version of " + binary + ":\n" + r.output());
    }

    /**
     * Fails unless {@code opa check --strict} passes and every file is {@code opa fmt} clean. The check runs
     * first: a file that does not parse is a syntax error, not a formatting one.
     */
    public void check(Path policiesDir) {
        requireSuccess("opa check --strict", exec(List.of("check", "--strict", canonical(policiesDir)), null));
        Processes.Result fmt = exec(List.of("fmt", "--list", canonical(policiesDir)), null);
        if (fmt.exitCode() != 0 || !fmt.output().isBlank()) {
            throw new OpaToolchainException("opa fmt: these files are not formatted (run '"
                    + binary + " fmt -w " + policiesDir + "'):\n" + fmt.output());
        }
    }

    /**
     * Per-test deadline of {@code opa test}: its 5 s default fails property-style tests on a loaded 2-core
     * machine although nothing is wrong.
     */
    private static final String TEST_TIMEOUT = "60s";

    /** Runs {@code opa test} and returns its report; throws when a test fails. */
    public String test(Path policiesDir) {
        Processes.Result r = exec(List.of("test", "--timeout", TEST_TIMEOUT, canonical(policiesDir)), null);
        requireSuccess("opa test", r);
        return r.output();
    }

    /**
     * Runs {@code opa test --coverage --format json} and returns its JSON report (overall {@code coverage}
     * percent, per file {@code not_covered} line ranges); throws when a test fails.
     */
    public String testCoverage(Path policiesDir) {
        Processes.Result r = exec(List.of("test", "--timeout", TEST_TIMEOUT, "--coverage", "--format", "json",
                canonical(policiesDir)), null);
        requireSuccess("opa test", r);
        return r.output();
    }

    /**
     * Compiles a directory of {@code .rego} and {@code data.json} into a WASM bundle. Entrypoints are
     * the rules annotated {@code entrypoint: true} plus {@code extraEntrypoints}.
     */
    public void buildWasmBundle(Path policiesDir, Path output, String revision, List<String> extraEntrypoints) {
        buildWasmBundle(policiesDir, output, revision, extraEntrypoints, null);
    }

    /**
     * How {@code opa build} signs a bundle ({@code /.signatures.json}).
     *
     * @param keyFile PEM private key file (RSA or EC); for HS256/384/512 opa takes the secret itself here
     * @param algorithm JWS algorithm, e.g. {@code RS256}, {@code ES256}
     * @param keyId the {@code kid} header opa writes when there is no claims file
     * @param claimsFile JSON object of claims added to the signature's payload (e.g. {@code scope}, {@code keyid})
     */
    public record Signing(Path keyFile, String algorithm, String keyId, @Nullable Path claimsFile) {}

    /** As {@link #buildWasmBundle(Path, Path, String, List)}, signed with {@code signing} unless it is null. */
    public void buildWasmBundle(Path policiesDir, Path output, String revision, List<String> extraEntrypoints,
            @Nullable Signing signing) {
        // opa roots bundle data at the path it is given: "a/../policies" would nest data under "a".
        List<String> args = new ArrayList<>(List.of(
                "build", "-t", "wasm", "-b", canonical(policiesDir), "-o", output.toString(),
                "--revision", revision, "--ignore", "*_test.rego"));
        for (String e : extraEntrypoints) {
            args.add("-e");
            args.add(e);
        }
        if (signing != null) {
            args.addAll(List.of("--signing-key", signing.keyFile().toString(),
                    "--signing-alg", signing.algorithm(), "--verification-key-id", signing.keyId()));
            if (signing.claimsFile() != null) {
                args.addAll(List.of("--claims-file", signing.claimsFile().toString()));
            }
        }
        try {
            Files.createDirectories(output.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        requireSuccess("opa build", exec(args, null));
    }

    /**
     * The rules a Data API client can query, as entrypoint paths ({@code httpapi/authz/allow}): every rule
     * that is not a function, of every {@code .rego} file that is not a test, found with {@code opa parse}.
     * A file that does not parse is skipped ({@code opa build} reports it with its location).
     */
    public List<String> rulePaths(Path policiesDir) {
        java.util.SortedSet<String> paths = new java.util.TreeSet<>();
        List<Path> files;
        try (java.util.stream.Stream<Path> walk = Files.walk(policiesDir)) {
            files = walk.filter(p -> p.toString().endsWith(".rego") && !p.toString().endsWith("_test.rego"))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (Path file : files) {
            Processes.Result r = exec(List.of("parse", "--format", "json", "--json-include", "-comments",
                    canonical(file)), null);
            if (r.exitCode() != 0) {
                continue;
            }
            try {
                com.fasterxml.jackson.databind.JsonNode ast = json.readTree(r.output());
                List<String> pkg = new ArrayList<>();
                ast.path("package").path("path").forEach(t -> pkg.add(t.path("value").asText()));
                pkg.remove(0); // "data"
                for (com.fasterxml.jackson.databind.JsonNode rule : ast.path("rules")) {
                    com.fasterxml.jackson.databind.JsonNode head = rule.path("head");
                    if (head.has("args")) {
                        continue; // a function: not a document
                    }
                    List<String> path = new ArrayList<>(pkg);
                    for (com.fasterxml.jackson.databind.JsonNode t : head.path("ref")) {
                        // the ref's fixed part: a[x] := ... is the document a
                        if (path.size() > pkg.size() && !"string".equals(t.path("type").asText())) {
                            break;
                        }
                        path.add(t.path("value").asText());
                    }
                    paths.add(String.join("/", path));
                }
            } catch (IOException | RuntimeException e) {
                log.debug("cannot read opa parse output of {}: {}", file, e.toString());
            }
        }
        return List.copyOf(paths);
    }

    /** {@code opa eval} of one query with the given input; returns opa's JSON output. */
    public String eval(Path policiesDir, String query, String inputJson) {
        List<String> args = List.of("eval", "--format", "json", "-d", canonical(policiesDir),
                "--ignore", "*_test.rego", "--stdin-input", query);
        Processes.Result r = exec(args, inputJson);
        requireSuccess("opa eval", r);
        return r.output();
    }

    private static String canonical(Path dir) {
        return dir.toAbsolutePath().normalize().toString();
    }

    private Processes.Result exec(List<String> args, String stdin) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.toString());
        cmd.addAll(args);
        return Processes.run(cmd, null, Map.of(), stdin, TIMEOUT_SECONDS);
    }

    private static void requireSuccess(String what, Processes.Result r) {
        if (r.exitCode() != 0) {
            throw new OpaToolchainException(what + " failed (exit " + r.exitCode() + "):\n" + r.output());
        }
    }

    private static String readPinnedVersion() {
        Properties props = new Properties();
        try (InputStream in = OpaToolchain.class.getResourceAsStream("/certgate-build.properties")) {
            if (in != null) {
                props.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return props.getProperty("opa.version", "1.12.1");
    }
}
