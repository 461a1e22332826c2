package io.certgate.pdp.bundle;

import com.linecorp.armeria.common.annotation.Nullable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/** A bundle {@code .tar.gz} on disk, re-read when its size or modification time changes. */
public final class FileBundleSource implements BundleSource {
    private final Path file;
    @Nullable
    private String seen;

    public FileBundleSource(Path file) {
        this.file = file;
    }

    @Override
    public String describe() {
        return file.toString();
    }

    @Override
    @Nullable
    public byte[] poll() throws IOException {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new IOException("bundle file " + file + " does not exist", e);
        }
        String stamp = attrs.size() + "@" + attrs.lastModifiedTime().toMillis();
        if (stamp.equals(seen)) {
            return null;
        }
        byte[] bytes = Files.readAllBytes(file);
        seen = stamp;
        return bytes;
    }
}
