package io.certgate.pdp.bundle;

import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.opa.OpaToolchain;
import io.certgate.pdp.opa.OpaToolchainException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A directory of {@code .rego} and {@code data.json}, compiled with the pinned opa whenever a file in
 * it changes. A compile error is a rejection like any bad bundle: the last good policy keeps serving.
 *
 * <p>Like {@code opa run --server DIR}, every rule can be queried over the Data API: besides the annotated
 * and configured entrypoints, each rule that is not a function is compiled as one (up to
 * {@value #MAX_RULES}). Should opa's wasm compiler refuse one of those, the directory is compiled with the
 * annotated and configured entrypoints only, and the log says so.
 */
public final class PolicyDirectorySource implements BundleSource {
    private static final Logger log = LoggerFactory.getLogger(PolicyDirectorySource.class);
    /** Most rules compiled as entrypoints for the Data API. */
    public static final int MAX_RULES = 512;

    private final Path dir;
    private final OpaToolchain opa;
    private final List<String> extraEntrypoints;
    @Nullable
    private String seen;

    public PolicyDirectorySource(Path dir, OpaToolchain opa, List<String> extraEntrypoints) {
        this.dir = dir;
        this.opa = opa;
        this.extraEntrypoints = List.copyOf(extraEntrypoints);
    }

    @Override
    public String describe() {
        return dir.toString();
    }

    @Override
    @Nullable
    public byte[] poll() throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("policy directory " + dir + " does not exist");
        }
        String stamp = fingerprint();
        if (stamp.equals(seen)) {
            return null;
        }
        Path out = Files.createTempFile("certgate-bundle", ".tar.gz");
        try {
            String revision = "dir-" + Integer.toHexString(stamp.hashCode());
            build(out, revision);
            byte[] bytes = Files.readAllBytes(out);
            seen = stamp;
            return bytes;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private void build(Path out, String revision) {
        List<String> rules = opa.rulePaths(dir);
        if (rules.size() > MAX_RULES) {
            log.warn("{} has {} rules, more than the {} compiled for the Data API: only annotated entrypoints and"
                    + " policy.entrypoints are served", dir, rules.size(), MAX_RULES);
            rules = List.of();
        }
        if (!rules.isEmpty()) {
            java.util.Set<String> all = new java.util.LinkedHashSet<>(extraEntrypoints);
            all.addAll(rules);
            try {
                opa.buildWasmBundle(dir, out, revision, List.copyOf(all));
                return;
            } catch (OpaToolchainException e) {
                opa.buildWasmBundle(dir, out, revision, extraEntrypoints); // a real compile error throws here
                String first = e.getMessage().lines().skip(1).findFirst().orElse(e.getMessage());
                // INFO: annotated policies (the reference one among them) meet this; nothing is wrong with them
                log.info("{}: opa cannot compile every rule as an entrypoint ({}); the Data API serves the annotated"
                        + " entrypoints and policy.entrypoints only", dir, first.strip());
                return;
            }
        }
        opa.buildWasmBundle(dir, out, revision, extraEntrypoints);
    }

    private String fingerprint() throws IOException {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
                String name = p.getFileName().toString();
                if (name.endsWith(".rego") || name.endsWith(".json") || name.endsWith(".yaml")) {
                    sb.append(dir.relativize(p)).append(':').append(Files.size(p)).append(':')
                            .append(Files.getLastModifiedTime(p).toMillis()).append(';');
                }
            }
        }
        return sb.toString();
    }
}
