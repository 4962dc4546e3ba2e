package io.vmigrate.host.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.UUID;

/**
 * Crash-safe file writes: the new content goes to a temporary file in the target's directory, is
 * fsynced, then atomically renamed over the target and the directory fsynced, so a crash leaves
 * either the old or the new content, never a torn file.
 */
public final class AtomicFiles {

    private static final int COPY_BUFFER = 1 << 20;

    private AtomicFiles() {}

    public static void write(Path target, byte[] content) throws IOException {
        replace(target, channel -> writeFully(channel, ByteBuffer.wrap(content)));
    }

    /** Streams {@code source} into {@code target} crash-safely, so large images never sit in memory. */
    public static void copy(Path source, Path target) throws IOException {
        replace(target, channel -> {
            try (InputStream in = Files.newInputStream(source)) {
                byte[] buffer = new byte[COPY_BUFFER];
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    writeFully(channel, ByteBuffer.wrap(buffer, 0, read));
                }
            }
        });
    }

    /** What fills the temporary file before it replaces the target. */
    @FunctionalInterface
    private interface Content {
        void writeTo(FileChannel channel) throws IOException;
    }

    /** Temp file in the target's directory, filled and fsynced, renamed over the target, directory fsynced. */
    private static void replace(Path target, Content content) throws IOException {
        Path directory = target.toAbsolutePath().getParent();
        Files.createDirectories(directory);
        Path temp = directory.resolve("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                content.writeTo(channel);
                channel.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            temp = null;
            syncDirectory(directory);
        } finally {
            if (temp != null) {
                Files.deleteIfExists(temp);
            }
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer data) throws IOException {
        while (data.hasRemaining()) {
            channel.write(data);
        }
    }

    /** Atomically renames a file or directory and makes the rename durable in both directories. */
    public static void rename(Path from, Path to) throws IOException {
        Files.createDirectories(to.toAbsolutePath().getParent());
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(from.toAbsolutePath().getParent());
        syncDirectory(to.toAbsolutePath().getParent());
    }

    /** Removes a directory tree; a missing tree is fine (removal is idempotent). */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    if (e != null) {
                        throw e;
                    }
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException e) {
            // removed concurrently: the goal is reached
        }
    }

    /** Makes renames and creations in {@code directory} durable; tolerated where a platform cannot. */
    public static void syncDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Some platforms cannot open a directory for fsync; the rename itself is still atomic.
        } catch (UncheckedIOException e) {
            // same as above
        }
    }
}
