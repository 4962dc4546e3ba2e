package io.vmigrate.securezone;

import io.vmigrate.common.io.AtomicFiles;
import io.vmigrate.trust.Aead;
import io.vmigrate.trust.AeadCiphertext;
import io.vmigrate.trust.DecryptionRefusedException;
import io.vmigrate.trust.MalformedBlobException;
import io.vmigrate.trust.Suite;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The zone's state as an append-only, authenticated journal, {@value #FILE_NAME} in the state dir: a
 * request costs one frame of what it changed, one write and one fsync, however much the zone remembers.
 *
 * <p>Layout: a clear header ({@code int magic "VZJ1", int version 1, UTF suite, text hostId, 16 bytes
 * journal id}, the id random for every journal file written), then frames {@code [int length, int
 * crc32c(length)][sealed]}.
 * Each frame seals {@code long sequence, byte kind, body} with the zone's state-sealing key (the one
 * {@link ZoneStateFile} used), associated data the header, {@link #CONTEXT} and the sequence. Frame 0 is
 * a snapshot of the whole {@link ZoneState}, every later frame one transition's {@link ZoneOp}s (both
 * {@link ZoneStateCodec}). So a frame that was edited, moved to another position, taken from another
 * journal (another host's, suite's, or this zone's own before a compaction) fails to open, and so does
 * every frame after a removed one. A frame whose length runs past the end of the file is a torn tail (a
 * crash in the middle of an append, never acknowledged) and is cut off; the length's checksum keeps a bit
 * flipped in a length from passing the rest of the journal off as such a tail. Anything else that fails is
 * refused with an {@link IOException}: the zone never silently drops authenticated history. What the
 * journal cannot tell is a tail cut at a frame boundary, or an older journal put back with its older
 * key store: a rollback (docs/THREAT_MODEL.md).
 *
 * <p>Compaction writes a journal holding just a snapshot frame to {@code <journal>.compacting}, fsyncs
 * it, renames it over the journal and fsyncs the directory, then appends there (a leftover
 * {@code .compacting} is discarded on open). It runs once the journal is larger than
 * {@value #COMPACTION_RATIO}× its snapshot frame and the compaction floor, so rewriting costs no more
 * than the appends did; a compaction that fails before its rename leaves the old journal in use.
 * The journal never holds a VM key's sealed bytes (they are in {@link VmKeyFiles}), so destroying a key
 * needs no compaction: compaction is only for size.
 */
final class ZoneJournal implements AutoCloseable {

    static final String FILE_NAME = "zone-journal.bin";
    static final String COMPACTION_SUFFIX = ".compacting";
    /** Compacted once the journal is larger than this many times its snapshot frame (and the floor). */
    static final int COMPACTION_RATIO = 2;
    /** The largest frame written or read: a larger length is refused, never allocated. */
    static final int MAX_FRAME_BYTES = 256 << 20;

    private static final Logger LOG = LoggerFactory.getLogger(ZoneJournal.class);
    private static final int MAGIC = 0x565A4A31; // "VZJ1"
    private static final int VERSION = 1;
    private static final int JOURNAL_ID_BYTES = 16;
    /** The length and its CRC32C. */
    private static final int LENGTH_BYTES = 2 * Integer.BYTES;
    private static final byte SNAPSHOT = 1;
    private static final byte OPERATIONS = 2;
    private static final byte[] CONTEXT = "vmigrate zone journal v1".getBytes(StandardCharsets.UTF_8);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A journal read to its end: the state, where the next frame goes and its sequence. */
    private record Replayed(byte[] header, ZoneState state, long nextSequence, long validBytes, long snapshotFrameBytes) {}

    /** An open journal and the state it holds. */
    record Opened(ZoneJournal journal, ZoneState state) {}

    private final Path file;
    private final Path compactionFile;
    private final Suite suite;
    private final String hostId;
    private final Aead sealing;
    private final long compactionFloorBytes;
    private FileChannel channel;
    private byte[] header;
    private long nextSequence;
    private long size;
    private long snapshotFrameBytes;
    /** A compaction that failed is tried again only once the journal has grown by another floor. */
    private long compactionRetryAboveBytes;
    /** Set when a failed append could not be undone: nothing more is appended until a restart cuts it off. */
    private boolean broken;

    private ZoneJournal(Path stateDir, Suite suite, String hostId, Aead sealing, long compactionFloorBytes) {
        this.file = file(stateDir);
        this.compactionFile = file.resolveSibling(FILE_NAME + COMPACTION_SUFFIX);
        this.suite = suite;
        this.hostId = hostId;
        this.sealing = sealing;
        this.compactionFloorBytes = compactionFloorBytes;
    }

    static Path file(Path stateDir) {
        return stateDir.resolve(FILE_NAME).toAbsolutePath();
    }

    /**
     * Opens the journal of {@code stateDir} and replays it, cutting a torn tail; empty if there is none.
     * Refuses another suite's or host's journal and anything that fails to open.
     */
    static Optional<Opened> open(Path stateDir, Suite suite, String hostId, Aead sealing, long compactionFloorBytes)
            throws IOException {
        ZoneJournal journal = new ZoneJournal(stateDir, suite, hostId, sealing, compactionFloorBytes);
        // A compaction a crash interrupted before its rename: the journal itself is still whole.
        if (Files.deleteIfExists(journal.compactionFile)) {
            LOG.warn("zone journal {}: discarded an unfinished compaction", journal.file);
        }
        if (!Files.exists(journal.file)) {
            return Optional.empty();
        }
        FileChannel channel = FileChannel.open(journal.file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            long fileBytes = channel.size();
            Replayed replayed = replay(readAll(channel, fileBytes), suite, hostId, sealing, journal.file);
            if (replayed.validBytes() < fileBytes) {
                LOG.warn("zone journal {}: cutting a torn tail of {} bytes", journal.file, fileBytes - replayed.validBytes());
                channel.truncate(replayed.validBytes());
                channel.force(true);
            }
            journal.channel = channel;
            journal.header = replayed.header();
            journal.nextSequence = replayed.nextSequence();
            journal.size = replayed.validBytes();
            journal.snapshotFrameBytes = replayed.snapshotFrameBytes();
            LOG.info("zone journal {}: {} frames, {} bytes", journal.file, replayed.nextSequence(), journal.size);
            return Optional.of(new Opened(journal, replayed.state()));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Writes a new journal holding {@code state} as its snapshot (replacing any), durable before it returns. */
    static ZoneJournal create(Path stateDir, Suite suite, String hostId, Aead sealing, long compactionFloorBytes,
            ZoneState state) throws IOException {
        ZoneJournal journal = new ZoneJournal(stateDir, suite, hostId, sealing, compactionFloorBytes);
        journal.replaceWithSnapshot(state);
        return journal;
    }

    /** Whether {@code stateDir} holds a zone state, as a journal or as the old snapshot file. */
    static boolean exists(Path stateDir) {
        return Files.exists(file(stateDir)) || Files.exists(ZoneStateFile.file(stateDir));
    }

    /**
     * Reads the state of {@code stateDir} whatever its suite, read-only (a torn tail is ignored, not cut), for
     * offline inspection with the zone's state-sealing key; safe while the zone runs, since a compaction
     * replaces the journal atomically and an append in progress reads as a torn tail.
     */
    static ZoneState readAny(Path stateDir, Aead sealing) throws IOException {
        Path path = file(stateDir);
        if (!Files.exists(path)) {
            return ZoneStateFile.readAny(stateDir, sealing);
        }
        return replay(Files.readAllBytes(path), null, null, sealing, path).state();
    }

    /** The suite named in the clear header of the state of {@code stateDir}. */
    static Suite suiteOf(Path stateDir) throws IOException {
        Path path = file(stateDir);
        if (!Files.exists(path)) {
            return ZoneStateFile.suiteOf(stateDir);
        }
        try (var in = new DataInputStream(Files.newInputStream(path))) {
            in.readInt();
            in.readInt();
            return Suite.valueOf(in.readUTF());
        } catch (IllegalArgumentException e) {
            throw new IOException("zone journal " + path + " names an unknown suite", e);
        }
    }

    Path path() {
        return file;
    }

    /** How many frames the journal holds (1: just its snapshot). */
    long frames() {
        return nextSequence;
    }

    /** Appends one transition's operations as a frame: one write, one fsync; durable when it returns. */
    void append(List<ZoneOp> ops) throws IOException {
        if (broken) {
            throw new IOException("zone journal " + file + " holds a failed append that could not be undone; "
                    + "restart the zone to cut it off");
        }
        var plaintext = new ByteArrayOutputStream(256);
        try (var out = new DataOutputStream(plaintext)) {
            out.writeLong(nextSequence);
            out.writeByte(OPERATIONS);
            ZoneStateCodec.writeOps(out, ops);
        }
        ByteBuffer frame = ByteBuffer.wrap(frame(header, nextSequence, plaintext.toByteArray()));
        long start = size;
        try {
            while (frame.hasRemaining()) {
                channel.write(frame, start + frame.position());
            }
            channel.force(false);
        } catch (IOException | RuntimeException e) {
            // Leave no half frame behind for the next append to follow.
            try {
                channel.truncate(start);
            } catch (IOException | RuntimeException undo) {
                broken = true;
                e.addSuppressed(undo);
            }
            throw e;
        }
        size = start + frame.capacity();
        nextSequence++;
    }

    /** Whether the journal is large enough, relative to its snapshot and the floor, to be compacted. */
    boolean worthCompacting() {
        return size > compactionFloorBytes && size > COMPACTION_RATIO * snapshotFrameBytes
                && size > compactionRetryAboveBytes;
    }

    /** Replaces the journal with one holding just a snapshot of {@code state}; on failure the old one stays in use. */
    void compact(ZoneState state) throws IOException {
        long before = size;
        try {
            replaceWithSnapshot(state);
        } catch (IOException | RuntimeException e) {
            compactionRetryAboveBytes = size + compactionFloorBytes;
            throw e;
        }
        compactionRetryAboveBytes = 0;
        LOG.info("zone journal {}: compacted {} bytes to {}", file, before, size);
    }

    @Override
    public void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.warn("zone journal {}: close failed: {}", file, e.toString());
            }
        }
    }

    /**
     * Header and snapshot frame to the compaction file, fsynced, renamed over the journal, directory fsynced,
     * and only then appended to: an acknowledged frame never sits in a file a crash could un-rename.
     */
    private void replaceWithSnapshot(ZoneState state) throws IOException {
        byte[] nextHeader = header(suite, hostId);
        var plaintext = new ByteArrayOutputStream(4096);
        try (var out = new DataOutputStream(plaintext)) {
            out.writeLong(0);
            out.writeByte(SNAPSHOT);
            ZoneStateCodec.writeSnapshot(out, state);
        }
        byte[] frame = frame(nextHeader, 0, plaintext.toByteArray());
        Files.deleteIfExists(compactionFile);
        FileChannel next = AtomicFiles.replaceKeepingOpen(file, compactionFile,
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE), replacement -> {
                    ByteBuffer contents = ByteBuffer.allocate(nextHeader.length + frame.length).put(nextHeader).put(frame)
                            .flip();
                    while (contents.hasRemaining()) {
                        replacement.write(contents);
                    }
                }, ownerOnly());
        FileChannel old = channel;
        channel = next;
        header = nextHeader;
        nextSequence = 1;
        size = nextHeader.length + (long) frame.length;
        snapshotFrameBytes = frame.length;
        broken = false;
        if (old != null) {
            try {
                old.close();
            } catch (IOException e) {
                LOG.warn("zone journal {}: closing the replaced journal failed: {}", file, e.toString());
            }
        }
    }

    private byte[] frame(byte[] journalHeader, long sequence, byte[] plaintext) throws IOException {
        byte[] sealed = sealing.encrypt(plaintext, associatedData(journalHeader, sequence)).toBytes();
        if (sealed.length > MAX_FRAME_BYTES) {
            // It would be written, then refused on the next open.
            throw new IOException("zone journal frame of " + sealed.length + " bytes exceeds " + MAX_FRAME_BYTES);
        }
        return ByteBuffer.allocate(LENGTH_BYTES + sealed.length).putInt(sealed.length).putInt(lengthCheck(sealed.length))
                .put(sealed).array();
    }

    private static Replayed replay(byte[] contents, Suite expectedSuite, String expectedHost, Aead sealing, Path path)
            throws IOException {
        var in = new DataInputStream(new ByteArrayInputStream(contents));
        int magic;
        int version;
        Suite suite;
        String hostId;
        try {
            magic = in.readInt();
            version = in.readInt();
            suite = Suite.valueOf(in.readUTF());
            hostId = ZoneStateCodec.text(in);
            in.readFully(new byte[JOURNAL_ID_BYTES]);
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException("zone journal " + path + " holds an invalid header", e);
        }
        if (magic != MAGIC) {
            throw new IOException("zone journal " + path + " has an unknown format");
        }
        if (version != VERSION) {
            throw new IOException("zone journal " + path + " has an unknown version " + version);
        }
        if (expectedSuite != null && suite != expectedSuite) {
            throw new IOException("zone journal " + path + " is of suite " + suite + ", configured " + expectedSuite);
        }
        if (expectedHost != null && !hostId.equals(expectedHost)) {
            throw new IOException("zone journal " + path + " belongs to host " + hostId + ", configured " + expectedHost);
        }
        int headerLength = contents.length - in.available();
        byte[] header = Arrays.copyOfRange(contents, 0, headerLength);
        ByteBuffer frames = ByteBuffer.wrap(contents);
        long position = headerLength;
        long sequence = 0;
        long snapshotFrameBytes = 0;
        ZoneState state = null;
        while (position < contents.length) {
            if (contents.length - position < LENGTH_BYTES) {
                break;
            }
            int length = frames.getInt((int) position);
            if (frames.getInt((int) position + Integer.BYTES) != lengthCheck(length)) {
                throw new IOException("zone journal " + path + ": frame " + sequence + " at offset " + position
                        + " has a corrupt length; the journal was altered");
            }
            if (length <= 0 || length > MAX_FRAME_BYTES) {
                throw new IOException("zone journal " + path + ": frame " + sequence + " at offset " + position
                        + " claims " + length + " bytes; the journal was altered");
            }
            if (position + LENGTH_BYTES + length > contents.length) {
                break;
            }
            int start = (int) position + LENGTH_BYTES;
            byte[] plaintext;
            try {
                plaintext = sealing.decrypt(AeadCiphertext.parse(Arrays.copyOfRange(contents, start, start + length)),
                        associatedData(header, sequence));
            } catch (MalformedBlobException | DecryptionRefusedException e) {
                throw new IOException("zone journal " + path + ": frame " + sequence + " at offset " + position
                        + " does not open under this zone's state-sealing key as frame " + sequence + " of this journal: "
                        + "it was altered, moved or taken from another journal, or frames before it were removed", e);
            }
            state = apply(plaintext, sequence, state, suite, path);
            if (sequence == 0) {
                snapshotFrameBytes = LENGTH_BYTES + length;
            }
            position += LENGTH_BYTES + length;
            sequence++;
        }
        if (state == null) {
            // Never torn: a journal is renamed into place only with its snapshot frame written and fsynced.
            throw new IOException("zone journal " + path + " holds no complete snapshot frame; it was truncated");
        }
        return new Replayed(header, state, sequence, position, snapshotFrameBytes);
    }

    /** Decodes one authenticated frame and applies it: frame 0 is the snapshot, every later one operations. */
    private static ZoneState apply(byte[] plaintext, long expectedSequence, ZoneState state, Suite suite, Path path)
            throws IOException {
        String where = "zone journal " + path + ": frame " + expectedSequence;
        return ZoneStateCodec.readAll(plaintext, in -> {
            long sequence = in.readLong();
            if (sequence != expectedSequence) {
                throw new IOException(where + " carries sequence " + sequence + ": a gap in the journal");
            }
            byte kind = in.readByte();
            if (expectedSequence == 0) {
                if (kind != SNAPSHOT) {
                    throw new IOException(where + " is not a snapshot");
                }
                return ZoneStateCodec.readSnapshot(in, suite);
            }
            if (kind != OPERATIONS) {
                throw new IOException(where + " is not a transition");
            }
            for (ZoneOp op : ZoneStateCodec.readOps(in, suite)) {
                op.applyTo(state);
            }
            return state;
        }, where);
    }

    private static byte[] header(Suite suite, String hostId) {
        byte[] journalId = new byte[JOURNAL_ID_BYTES];
        RANDOM.nextBytes(journalId);
        var bytes = new ByteArrayOutputStream(96);
        try (var out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeUTF(suite.name());
            ZoneStateCodec.text(out, hostId);
            out.write(journalId);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static int lengthCheck(int length) {
        var crc = new CRC32C();
        crc.update(ByteBuffer.allocate(Integer.BYTES).putInt(length).array());
        return (int) crc.getValue();
    }

    private static byte[] associatedData(byte[] header, long sequence) {
        return ByteBuffer.allocate(header.length + CONTEXT.length + Long.BYTES)
                .put(header).put(CONTEXT).putLong(sequence).array();
    }

    private static byte[] readAll(FileChannel channel, long fileBytes) throws IOException {
        if (fileBytes > Integer.MAX_VALUE - 8) {
            throw new IOException("zone journal of " + fileBytes + " bytes is too large to read");
        }
        ByteBuffer contents = ByteBuffer.allocate((int) fileBytes);
        while (contents.hasRemaining()) {
            if (channel.read(contents, contents.position()) < 0) {
                break;
            }
        }
        return Arrays.copyOf(contents.array(), contents.position());
    }

    private static FileAttribute<?>[] ownerOnly() {
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))};
        }
        return new FileAttribute<?>[0];
    }
}
