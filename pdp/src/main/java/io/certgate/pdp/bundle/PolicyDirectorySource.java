package io.certgate.pdp.bundle;

import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.opa.OpaToolchain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * A directory of {@code .rego} and {@code data.json}, compiled with the pinned opa whenever a file in
 * it changes. A compile error is a rejection like any bad bundle: the last good policy keeps serving.
 */
public final class PolicyDirectorySource implements BundleSource {
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
            opa.buildWasmBundle(dir, out, revision, extraEntrypoints);
            byte[] bytes = Files.readAllBytes(out);
            seen = stamp;
            return bytes;
        } finally {
            Files.deleteIfExists(out);
        }
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
