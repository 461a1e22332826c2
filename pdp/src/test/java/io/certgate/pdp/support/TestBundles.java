package io.certgate.pdp.support;

import io.certgate.pdp.opa.OpaToolchain;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Compiles test policies with the pinned opa, once per directory and revision. */
public final class TestBundles {
    private static final Map<String, byte[]> CACHE = new ConcurrentHashMap<>();

    private TestBundles() {}

    public static OpaToolchain opa() {
        return OpaToolchain.locate(Path.of(System.getProperty("certgate.tools.dir", "../.tools")));
    }

    /** The repository's {@code policies/} directory (the reference policy). */
    public static Path referencePolicies() {
        return Path.of(System.getProperty("certgate.policies.dir", "../policies")).toAbsolutePath().normalize();
    }

    /** A directory under {@code src/test/resources/policies}. */
    public static Path testPolicies(String name) {
        try {
            return Path.of(TestBundles.class.getResource("/policies/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static byte[] compile(Path dir, String revision) {
        return CACHE.computeIfAbsent(dir + "@" + revision, k -> {
            try {
                Path out = Files.createTempFile("bundle", ".tar.gz");
                opa().buildWasmBundle(dir, out, revision, List.of());
                byte[] bytes = Files.readAllBytes(out);
                Files.delete(out);
                return bytes;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Copies a policy directory so a test can change its data. */
    public static Path copy(Path dir, Path target) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.toList()) {
                Path t = target.resolve(dir.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
        return target;
    }
}
