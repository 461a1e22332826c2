package io.certgate.pdp.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.certgate.pdp.config.ConfigException;
import io.certgate.pdp.config.InteropConfig;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.pdp.reload.ReloadRejectedException;
import io.certgate.pdp.reload.TrustMaterial;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code config check} for both jars: which kind a file is, and the located errors of a {@code pdp.yaml}. */
public final class ConfigChecks {
    private ConfigChecks() {}

    /** The configuration files the commands know. */
    public enum Kind {
        PDP, GATEWAY;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The kind of a configuration by its content: {@code services} or {@code listen} at the top level make a
     * gateway.yaml, anything else (an empty file included) is read as a pdp.yaml. Text that is not YAML is
     * read as a pdp.yaml, whose parser then reports the syntax error with its line.
     */
    public static Kind detect(String yaml) {
        try {
            JsonNode tree = new ObjectMapper(new YAMLFactory()).readTree(yaml);
            if (tree != null && tree.isObject() && (tree.has("services") || tree.has("listen"))) {
                return Kind.GATEWAY;
            }
        } catch (JsonProcessingException e) {
            return Kind.PDP;
        }
        return Kind.PDP;
    }

    /**
     * Every error of a pdp.yaml with its location ({@code engine.pool_size: must be …}), including referenced
     * files that do not exist; empty when the file is fine. {@code policy.policies} and a local
     * {@code policy.bundle} are resolved against the working directory, as {@code serve} does.
     */
    public static List<String> checkPdp(String yaml, String name) {
        PdpConfig cfg;
        try {
            cfg = PdpConfig.parse(yaml, name);
        } catch (ConfigException e) {
            return e.errors();
        }
        return checkFiles(cfg, Instant.now());
    }

    /**
     * The checks {@link PdpConfig#parse} leaves to start-up: the policy source exists, and the trust files read
     * ({@link #trustFileErrors}). Empty when all is well.
     */
    private static List<String> checkFiles(PdpConfig cfg, Instant now) {
        List<String> errors = new ArrayList<>();
        if (cfg.policies() != null && !Files.isDirectory(cfg.policies())) {
            errors.add("policy.policies: directory not found: " + cfg.policies().toAbsolutePath());
        }
        String bundle = cfg.bundle();
        if (bundle != null && !bundle.startsWith("http://") && !bundle.startsWith("https://")
                && !Files.isReadable(Path.of(bundle))) {
            errors.add("policy.bundle: file not found or not readable: " + Path.of(bundle).toAbsolutePath());
        }
        errors.addAll(trustFileErrors(cfg, now));
        return errors;
    }

    /**
     * The problem with {@code interop.verify_ca_file} and {@code interop.crl_files}, validated as a reload
     * validates them (PEM complete, CA certificates not expired, CRLs current and signed by a CA of the
     * bundle), located by its key; empty when they are fine or not set.
     */
    public static List<String> trustFileErrors(PdpConfig cfg, Instant now) {
        InteropConfig interop = cfg.interop();
        if (interop.verifyCaFile() == null) {
            return List.of();
        }
        try {
            TrustMaterial.read("interop.verify_ca_file", interop.verifyCaFile(), "interop.crl_files",
                    interop.crlFiles(), now);
            return List.of();
        } catch (ReloadRejectedException e) {
            return List.of(e.getMessage());
        }
    }

    /** Prints the outcome as {@code config check} does and returns its exit code (0 ok, 1 errors). */
    public static int report(String name, Kind kind, List<String> errors) {
        if (errors.isEmpty()) {
            System.out.println(name + ": ok (" + kind + " configuration)");
            return 0;
        }
        System.out.println(name + ": " + errors.size() + " error(s) (" + kind + " configuration):");
        errors.forEach(e -> System.out.println("  " + e));
        return 1;
    }
}
