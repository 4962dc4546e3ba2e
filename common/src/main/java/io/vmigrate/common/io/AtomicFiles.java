package io.vmigrate.common.io;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.UUID;

/**
 * Crash-safe file replacement, the one way every vmigrate component writes a file that must
 * survive a crash: the new content goes to a temporary file in the target's directory, is fsynced,
 * then atomically renamed over the target and the directory fsynced, so a crash leaves either the
 * old or the new content, never a torn file. {@link Permissions#OWNER_ONLY} files are created
 * owner-only from the start, so a secret never sits in a readable temporary file.
 */
public final class AtomicFiles {

    private static final int COPY_BUFFER = 1 << 20;

    /** Who may read the replaced file. */
    public enum Permissions {
        /** The process umask decides, as for any new file. */
        DEFAULT,
        /** rw------- (on POSIX file systems): passwords, sealed keys, zone state. */
        OWNER_ONLY
    }

    /** What fills the temporary file before it replaces the target. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private AtomicFiles() {}

    public static void write(Path target, byte[] content) throws IOException {
        write(target, content, Permissions.DEFAULT);
    }

    public static void write(Path target, byte[] content, Permissions permissions) throws IOException {
        replace(target, permissions, channel -> writeFully(channel, ByteBuffer.wrap(content)));
    }

    public static void writeString(Path target, String text, Permissions permissions) throws IOException {
        write(target, text.getBytes(StandardCharsets.UTF_8), permissions);
    }

    /** Streams whatever {@code content} writes into {@code target} crash-safely. */
    public static void write(Path target, Permissions permissions, Content content) throws IOException {
        replace(target, permissions, channel -> {
            // The content may close its stream (Avro's writers do); the channel stays open for the fsync.
            OutputStream out = new FilterOutputStream(Channels.newOutputStream(channel)) {
                @Override
                public void write(byte[] bytes, int offset, int length) throws IOException {
                    this.out.write(bytes, offset, length);
                }

                @Override
                public void close() throws IOException {
                    flush();
                }
            };
            content.writeTo(out);
            out.flush();
        });
    }

    /** Streams {@code source} into {@code target} crash-safely, so large images never sit in memory. */
    public static void copy(Path source, Path target) throws IOException {
        replace(target, Permissions.DEFAULT, channel -> {
            try (InputStream in = Files.newInputStream(source)) {
                byte[] buffer = new byte[COPY_BUFFER];
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    writeFully(channel, ByteBuffer.wrap(buffer, 0, read));
                }
            }
        });
    }

    /** Writes the whole contents of a replacement file through its channel. */
    @FunctionalInterface
    public interface ChannelContent {
        void writeTo(FileChannel channel) throws IOException;
    }

    /** Temp file in the target's directory, filled and fsynced, renamed over the target, directory fsynced. */
    private static void replace(Path target, Permissions permissions, ChannelContent content) throws IOException {
        Path directory = target.toAbsolutePath().getParent();
        Files.createDirectories(directory);
        Path temp = directory.resolve("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            Set<OpenOption> options = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            try (FileChannel channel = FileChannel.open(temp, options, attributes(permissions))) {
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

    private static FileAttribute<?>[] attributes(Permissions permissions) {
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        if (permissions == Permissions.OWNER_ONLY && posix) {
            return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))};
        }
        return new FileAttribute<?>[0];
    }

    private static void writeFully(FileChannel channel, ByteBuffer data) throws IOException {
        while (data.hasRemaining()) {
            channel.write(data);
        }
    }

    /**
     * Replaces an append-only file and keeps appending to the replacement: {@code content} is written to
     * {@code temp} (opened with {@code options} and {@code attributes}), fsynced, renamed over {@code file}, and
     * the directory fsynced before the open channel is returned, positioned at its end; so nothing appended to it
     * can sit in a file a crash could un-rename. If anything fails before the rename, {@code file} is untouched
     * and {@code temp} is deleted (the caller goes on with its old channel); after the rename nothing fails.
     */
    public static FileChannel replaceKeepingOpen(Path file, Path temp, Set<? extends OpenOption> options,
            ChannelContent content, FileAttribute<?>... attributes) throws IOException {
        FileChannel next = FileChannel.open(temp, options, attributes);
        try {
            content.writeTo(next);
            next.force(true);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            next.close();
            try {
                Files.deleteIfExists(temp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        syncDirectory(file.toAbsolutePath().getParent());
        return next;
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
        } catch (IOException | UncheckedIOException e) {
            // Some platforms cannot open a directory for fsync; the rename itself is still atomic.
        }
    }
}
