package io.certgate.pdp.bundle;

import com.linecorp.armeria.common.annotation.Nullable;
import java.io.IOException;
import java.io.InputStream;

/** A bundle shipped inside the jar (the reference policy): read once. */
public final class ClasspathBundleSource implements BundleSource {
    /** The reference policy compiled from {@code policies/} at build time. */
    public static final String REFERENCE = "/bundles/reference.tar.gz";

    private final String resource;
    private boolean read;

    public ClasspathBundleSource(String resource) {
        this.resource = resource;
    }

    @Override
    public String describe() {
        return "classpath:" + resource;
    }

    @Override
    @Nullable
    public byte[] poll() throws IOException {
        if (read) {
            return null;
        }
        try (InputStream in = ClasspathBundleSource.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("no " + resource + " in the jar; rebuild with ./mvnw package");
            }
            byte[] bytes = in.readAllBytes();
            read = true;
            return bytes;
        }
    }
}
