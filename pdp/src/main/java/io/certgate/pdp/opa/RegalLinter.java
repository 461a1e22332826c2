package io.certgate.pdp.opa;

import com.linecorp.armeria.common.annotation.Nullable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Regal, OPA's linter, pinned like opa: {@code $REGAL_BIN}, else {@code regal} on {@code PATH}, else
 * {@code <tools>/regal-v<version>/regal}, else built there with Go. Regal's module cannot be fetched
 * by a bare {@code go install} through every module proxy (its version list may be refused), so the
 * pinned version is required from a throw-away module and built from there.
 */
public final class RegalLinter {
    public static final String PINNED_VERSION = "0.39.0";
    private static final String MODULE = "github.com/open-policy-agent/regal";

    private final Path binary;

    private RegalLinter(Path binary) {
        this.binary = binary;
    }

    /** Finds or builds regal; null when neither regal nor Go is available (lint is then skipped). */
    @Nullable
    public static RegalLinter locate(Path toolsDir) {
        return locate(toolsDir, System.getenv());
    }

    @Nullable
    static RegalLinter locate(Path toolsDir, Map<String, String> env) {
        String fromEnv = env.get("REGAL_BIN");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return new RegalLinter(Path.of(fromEnv));
        }
        Path onPath = Processes.findOnPath("regal", env.get("PATH"));
        if (onPath != null) {
            return new RegalLinter(onPath);
        }
        Path pinned = toolsDir.resolve("regal-v" + PINNED_VERSION).resolve("regal");
        if (Files.isExecutable(pinned)) {
            return new RegalLinter(pinned);
        }
        Path go = Processes.findOnPath("go", env.get("PATH"));
        if (go == null) {
            return null;
        }
        build(go, pinned);
        return new RegalLinter(pinned);
    }

    private static void build(Path go, Path target) {
        try {
            Path module = Files.createTempDirectory("regal-build");
            Files.writeString(module.resolve("go.mod"), "module certgate.local/regal\n\ngo 1.24\n\nrequire "
                    + MODULE + " v" + PINNED_VERSION + "\n");
            Files.writeString(module.resolve("tools.go"), "//go:build tools\n\npackage tools\n\nimport _ \""
                    + MODULE + "\"\n");
            Files.createDirectories(target.getParent());
            Map<String, String> env = Map.of("CGO_ENABLED", "0");
            Processes.require("go mod tidy (regal)", List.of(go.toString(), "mod", "tidy"), module, env, null, 900);
            Processes.require("go build (regal)", List.of(go.toString(), "build", "-o",
                    target.toAbsolutePath().toString(), MODULE), module, env, null, 900);
        } catch (IOException e) {
            throw new OpaToolchainException("cannot build regal v" + PINNED_VERSION + ": " + e.getMessage(), e);
        }
    }

    /** Lints a policy directory (its {@code .regal/config.yaml} applies); throws with Regal's report on violations. */
    public void lint(Path policiesDir) {
        Path dir = policiesDir.toAbsolutePath().normalize();
        // the report is captured and printed as text: colour codes would show raw
        Processes.require("regal lint", List.of(binary.toString(), "lint", "--no-color", dir.toString()), dir,
                Map.of(), null, 300);
    }

    public Path binary() {
        return binary;
    }
}
