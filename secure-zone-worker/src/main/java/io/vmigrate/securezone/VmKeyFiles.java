package io.vmigrate.securezone;

import io.vmigrate.common.io.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The sealed bytes of the installed VM keys, one owner-only file per key in {@value #DIRECTORY} of the
 * state dir, named by VM id and epoch; the journal records only which keys are installed. Destroying a key
 * then costs one small file, not a rewrite of the whole zone state: the sealed bytes never enter the
 * journal's history, so nothing else has to be compacted for them to leave the disk.
 *
 * <p>Each file holds the key exactly as {@link VtcmStore#seal} sealed it (AEAD under the zone's vTCM sealing
 * key, {@code vmId ‖ epoch} as associated data), so a file renamed to another VM or epoch fails to open. A
 * key's file is durable before the journal frame that installs it, and is overwritten and removed only
 * after the frame that destroys it: a crash in between leaves a file no installed key names, which
 * {@link #keepOnly} removes when the zone next opens.
 */
final class VmKeyFiles {

    static final String DIRECTORY = "vtcm-keys";
    private static final String SUFFIX = ".key";
    /** The largest sealed key read: a larger file is refused, never allocated. */
    static final int MAX_FILE_BYTES = 64 << 10;

    private final Path directory;

    private VmKeyFiles(Path directory) {
        this.directory = directory;
    }

    /** The key files of {@code stateDir}, to read (nothing is created). */
    static VmKeyFiles of(Path stateDir) {
        return new VmKeyFiles(stateDir.resolve(DIRECTORY).toAbsolutePath());
    }

    /** The key files of {@code stateDir}, creating their owner-only directory if needed. */
    static VmKeyFiles opened(Path stateDir) throws IOException {
        VmKeyFiles files = of(stateDir);
        if (!Files.isDirectory(files.directory)) {
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                Files.createDirectories(files.directory,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectories(files.directory);
            }
            AtomicFiles.syncDirectory(stateDir);
        }
        return files;
    }

    /** {@code key} with its sealed bytes from its file, if the journal left them there (its own are empty). */
    InstalledVmKey withSealedBytes(InstalledVmKey key) throws IOException {
        if (key.sealedPrivateKey().length > 0) {
            return key;
        }
        return new InstalledVmKey(key.vmId(), key.epoch(), key.keyFingerprint(), key.migrationId(),
                read(key.vmId(), key.epoch()));
    }

    /** Writes the key's sealed bytes, durable (file and directory fsynced) before it returns. */
    void write(InstalledVmKey key) throws IOException {
        AtomicFiles.write(file(key.vmId(), key.epoch()), key.sealedPrivateKey(), AtomicFiles.Permissions.OWNER_ONLY);
    }

    /** As {@link #withSealedBytes}, empty if the key's file is missing. */
    Optional<InstalledVmKey> withSealedBytesIfPresent(InstalledVmKey key) throws IOException {
        if (key.sealedPrivateKey().length > 0) {
            return Optional.of(key);
        }
        return readIfPresent(key.vmId(), key.epoch()).map(sealed ->
                new InstalledVmKey(key.vmId(), key.epoch(), key.keyFingerprint(), key.migrationId(), sealed));
    }

    /** The sealed bytes of the VM's key of {@code epoch}; an {@link IOException} if there are none. */
    byte[] read(String vmId, long epoch) throws IOException {
        return readIfPresent(vmId, epoch).orElseThrow(() -> new IOException("the sealed VM key of " + vmId + " epoch "
                + epoch + " is missing (" + file(vmId, epoch) + "): the zone state was altered"));
    }

    private Optional<byte[]> readIfPresent(String vmId, long epoch) throws IOException {
        Path file = file(vmId, epoch);
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new IOException("sealed VM key file " + file + " holds " + size + " bytes, more than " + MAX_FILE_BYTES);
            }
            return Optional.of(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** Overwrites the key's file with zeros, fsyncs, then removes it; nothing if it is already gone. */
    void destroy(String vmId, long epoch) throws IOException {
        destroy(file(vmId, epoch));
    }

    /** Destroys every key file but those named in {@code installedNames} ({@link #name}). */
    void keepOnly(Set<String> installedNames) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.toList()) {
                if (!installedNames.contains(file.getFileName().toString())) {
                    destroy(file);
                }
            }
        }
    }

    /** The file name of the VM's key of {@code epoch}, as {@link #keepOnly} takes it. */
    static String name(String vmId, long epoch) {
        // Hex: a VM id is any text, a file name is not.
        return HexFormat.of().formatHex(vmId.getBytes(StandardCharsets.UTF_8)) + "." + epoch + SUFFIX;
    }

    private Path file(String vmId, long epoch) {
        return directory.resolve(name(vmId, epoch));
    }

    private void destroy(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            long size = channel.size();
            ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(size, MAX_FILE_BYTES));
            for (long position = 0; position < size; position += zeros.capacity()) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), size - position));
                while (zeros.hasRemaining()) {
                    channel.write(zeros, position + zeros.position());
                }
            }
            channel.force(true);
        } catch (NoSuchFileException e) {
            return;
        }
        Files.deleteIfExists(file);
        AtomicFiles.syncDirectory(directory);
    }
}
