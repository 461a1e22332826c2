package io.certgate.pep.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.certgate.pdp.bundle.Bundle;
import io.certgate.pdp.bundle.BundleException;
import io.certgate.pdp.bundle.BundleReader;
import io.certgate.pdp.bundle.BundleWriter;
import io.certgate.pdp.opa.OpaToolchain;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The bundles a fleet test publishes: the end-to-end test policy compiled once with the pinned opa, then
 * re-packed by {@link BundleWriter} under any revision (a compiled module does not depend on its revision).
 * Signing, when bundles are signed, belongs here too, so every publication goes through one place.
 */
public final class FleetBundles {
    private final BundleWriter writer = new BundleWriter(new ObjectMapper());
    private final Bundle compiled;

    public FleetBundles(Path work) {
        try {
            Path out = work.resolve("compiled.tar.gz");
            OpaToolchain.locate(OpaToolchain.defaultToolsDir()).buildWasmBundle(E2e.e2ePolicies(), out, "compiled",
                    List.of());
            this.compiled = new BundleReader(new ObjectMapper()).read(Files.readAllBytes(out), out.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (BundleException e) {
            throw new IllegalStateException("opa built a bundle the PDP cannot read", e);
        }
    }

    /** The {@code .tar.gz} of the test policy as revision {@code revision}. */
    public byte[] revision(String revision) {
        return writer.write(revision, compiled.wasm(), compiled.data(), compiled.entrypoints());
    }

    /** Bytes no PDP accepts as a bundle: the start of a real one, cut off. */
    public byte[] corrupt() {
        byte[] whole = revision("corrupt");
        return java.util.Arrays.copyOf(whole, whole.length / 2);
    }
}
