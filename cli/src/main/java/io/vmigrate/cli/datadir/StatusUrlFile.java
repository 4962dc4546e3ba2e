package io.vmigrate.cli.datadir;

import io.vmigrate.common.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code <data dir>/status.url}: where the running center serves its status API, so that
 * {@code vmigrate status} finds it without flags. Written when the center starts, removed when it stops.
 */
public final class StatusUrlFile {

    public static final String FILE_NAME = "status.url";

    private StatusUrlFile() {}

    public static Path location(Path dataDir) {
        return dataDir.resolve(FILE_NAME);
    }

    public static void write(Path dataDir, URI url) {
        Path target = location(dataDir);
        try {
            AtomicFiles.writeString(target, url + "\n", AtomicFiles.Permissions.DEFAULT);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the status URL in " + target, e);
        }
    }

    public static Optional<URI> read(Path dataDir) {
        Path file = location(dataDir);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8).trim();
            return text.isEmpty() ? Optional.empty() : Optional.of(URI.create(text));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    public static void delete(Path dataDir) {
        try {
            Files.deleteIfExists(location(dataDir));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + location(dataDir), e);
        }
    }
}
