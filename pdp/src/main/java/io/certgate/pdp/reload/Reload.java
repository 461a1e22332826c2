package io.certgate.pdp.reload;

/** Reads a group of files, validates everything, and only then swaps the material in use. */
@FunctionalInterface
public interface Reload {
    /**
     * @throws ReloadRejectedException when the new content is not usable; the material in use is unchanged
     */
    void run() throws ReloadRejectedException;
}
