package io.certgate.pdp.bundle;

import com.linecorp.armeria.common.annotation.Nullable;

/** Where bundles come from. Polled by {@link BundleManager} from one thread. */
public interface BundleSource {
    /** For logs and {@code /v1/status}: a path, a URL or a directory. */
    String describe();

    /**
     * The bundle archive if it changed since the last successful call, else null.
     *
     * @throws Exception when the source cannot be read or (for a policy directory) does not compile;
     *     the manager records it as a rejection and keeps the active bundle
     */
    @Nullable
    byte[] poll() throws Exception;
}
