package io.vmigrate.host.store;

import io.vmigrate.common.io.AtomicFiles;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Durable map of message id to {@link ProcessedCommand}, holding only the commands of the last retention
 * window. An append-only log of length- and CRC-framed entries, fsynced by {@link #sync} (once per poll
 * batch, before its offsets are committed); on open a torn tail (a crash in the middle of an append) is
 * cut off, so everything synced survives a kill -9. The log holds only replies already published on Kafka (signed
 * envelopes, no key material).
 *
 * <p>Bounded by the live entries: a command is forgotten once its envelope's expiry plus the retention
 * is past, found through an index by expiry (never a scan). The secure zone refuses an expired envelope
 * before it consults anything, so a forgotten command that comes again is refused there, never carried
 * out twice; the retention only has to cover the zone's clock skew allowance plus a clock stepped back.
 * Once the file holds more than {@value #COMPACTION_RATIO} times the live bytes (and more than the
 * compaction floor), the live entries are rewritten to {@code <log>.compacting}, fsynced and renamed
 * over the log before the next append, so a kill -9 at any point leaves either the old log or the new
 * one (a leftover {@code .compacting} file is discarded on open).
 *
 * <p>Entry payload, version 2: {@code int 2, UTF messageId, UTF topic, int partition, long offset,
 * long expiresAtMillis, int replyLength, reply}. Version 1 (no expiry) is still read: such an entry is
 * taken to expire at load time plus the retention, and the log is rewritten in version 2 at once so that
 * assumed expiry holds across restarts.
 */
public final class ProcessedCommandStore implements AutoCloseable {

    /**
     * The largest clock skew a secure zone may allow ({@code vmigrate.secure.zone.clock.skew.ms} is at most one hour):
     * the agent remembers a command at least as long as any zone would still admit it. After that the zone refuses it
     * as expired (its reply watermark covers a clock stepped back), so remembering it longer would only hold memory.
     */
    public static final Duration DEFAULT_RETENTION = Duration.ofHours(1);
    /** Below this size the log is never compacted: rewriting a small file gains nothing. */
    public static final long DEFAULT_COMPACTION_FLOOR_BYTES = 1 << 20;
    /** Compacted once the file is larger than this many times its live entries. */
    public static final int COMPACTION_RATIO = 2;
    /** Appended to the log's file name for the compacted copy until it is renamed over the log. */
    public static final String COMPACTION_SUFFIX = ".compacting";

    /** What the store holds now, readable without waiting for an append in progress (for metrics). */
    public record Stats(int liveEntries, long liveBytes, long fileBytes, long compactions) {}

    private static final Logger LOG = LoggerFactory.getLogger(ProcessedCommandStore.class);
    private static final int VERSION_WITHOUT_EXPIRY = 1;
    private static final int VERSION = 2;
    private static final int FRAME_HEADER_BYTES = 8;
    private static final int MAX_ENTRY_BYTES = 16 << 20;

    /** One remembered command and the bytes its entry takes in a compacted log. */
    private record Live(ProcessedCommand command, int frameBytes) {}

    /** The expiry index's key: oldest expiry first, ties broken by message id. */
    private record Expiry(long expiresAtMillis, String messageId) implements Comparable<Expiry> {
        @Override
        public int compareTo(Expiry other) {
            int byTime = Long.compare(expiresAtMillis, other.expiresAtMillis);
            return byTime != 0 ? byTime : messageId.compareTo(other.messageId);
        }
    }

    private final Path file;
    private final Path compactionFile;
    private final Clock clock;
    private final long retentionMillis;
    private final long compactionFloorBytes;
    private final Map<String, Live> entries = new HashMap<>();
    private final TreeSet<Expiry> byExpiry = new TreeSet<>();
    private FileChannel channel;
    private long liveBytes;
    private long compactions;
    /** Entries were appended since the last fsync (a compaction's rename also made them durable). */
    private boolean unsynced;
    private long syncs;
    /** A compaction that failed is tried again only once the file has grown by another floor. */
    private long compactionRetryAboveBytes;
    private volatile Stats stats = new Stats(0, 0, 0, 0);

    private ProcessedCommandStore(Path file, FileChannel channel, Clock clock, Duration retention,
            long compactionFloorBytes) {
        this.file = file;
        this.compactionFile = file.resolveSibling(file.getFileName() + COMPACTION_SUFFIX);
        this.channel = channel;
        this.clock = clock;
        this.retentionMillis = retention.toMillis();
        this.compactionFloorBytes = compactionFloorBytes;
    }

    /** Opens (or creates) the log at {@code file}, forgetting commands {@code retention} after their expiry. */
    public static ProcessedCommandStore open(Path file, Duration retention, Clock clock) throws IOException {
        return open(file, retention, clock, DEFAULT_COMPACTION_FLOOR_BYTES);
    }

    /** As above, compacting only above {@code compactionFloorBytes}. */
    public static ProcessedCommandStore open(Path file, Duration retention, Clock clock, long compactionFloorBytes)
            throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(clock, "clock");
        if (retention.isNegative() || retention.isZero()) {
            throw new IllegalArgumentException("retention must be positive: " + retention);
        }
        if (compactionFloorBytes < 0) {
            throw new IllegalArgumentException("compaction floor must not be negative: " + compactionFloorBytes);
        }
        Path absolute = file.toAbsolutePath();
        Files.createDirectories(absolute.getParent());
        boolean created = !Files.exists(absolute);
        FileChannel channel = FileChannel.open(absolute, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        ProcessedCommandStore store = new ProcessedCommandStore(absolute, channel, clock, retention, compactionFloorBytes);
        try {
            if (created) {
                AtomicFiles.syncDirectory(absolute.getParent());
            }
            // A compaction a crash interrupted before its rename: the log itself is still whole.
            if (Files.deleteIfExists(store.compactionFile)) {
                LOG.warn("processed-command store {}: discarded an unfinished compaction", absolute);
            }
            store.load();
            return store;
        } catch (IOException | RuntimeException e) {
            store.channel.close();
            throw e;
        }
    }

    /** The command of that message id, if it is remembered (a command past its retention is not). */
    public synchronized Optional<ProcessedCommand> find(String messageId) {
        forgetExpired();
        Live live = entries.get(messageId);
        return live == null ? Optional.empty() : Optional.of(live.command());
    }

    /**
     * Appends an entry, written to the file but durable only once {@link #sync} returned: the agent records
     * a poll's commands one by one and syncs once before it commits their offsets (group commit). A crash
     * before the sync loses only entries whose offsets were not committed: those records come again, and
     * the secure zone, whose replay cache is durable before it answers, recognises them and returns the reply
     * it signed then, so nothing is carried out twice.
     */
    public synchronized void record(ProcessedCommand command) throws IOException {
        byte[] frame = frame(encode(command));
        forgetExpired();
        if (worthCompacting()) {
            compactOrCarryOn();
        }
        ByteBuffer buffer = ByteBuffer.wrap(frame);
        long start = channel.position();
        try {
            writeFully(channel, buffer);
        } catch (IOException e) {
            // Leave no half entry behind for the next append to follow.
            channel.truncate(start);
            channel.position(start);
            throw e;
        }
        remember(command, frame.length);
        unsynced = true;
        publishStats();
    }

    /** Makes every entry recorded so far durable (one fsync, none if nothing was recorded since the last). */
    public synchronized void sync() throws IOException {
        if (unsynced) {
            channel.force(false);
            unsynced = false;
            syncs++;
        }
    }

    /** How many times {@link #sync} forced the file: one per poll batch, not per command. */
    public synchronized long syncCount() {
        return syncs;
    }

    /** How many commands are remembered now. */
    public synchronized int size() {
        return entries.size();
    }

    /** Counts for metrics; never waits for an append (or a compaction) in progress. */
    public Stats stats() {
        return stats;
    }

    public Path file() {
        return file;
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            sync();
        } finally {
            channel.close();
        }
    }

    /** Reads the trusted prefix, cuts a torn tail, forgets what expired, and compacts if it is worth it. */
    private void load() throws IOException {
        long loadedAt = clock.millis();
        long size = channel.size();
        long position = 0;
        int withoutExpiry = 0;
        ByteBuffer header = ByteBuffer.allocate(FRAME_HEADER_BYTES);
        while (position + FRAME_HEADER_BYTES <= size) {
            header.clear();
            if (readFully(channel, header, position) < FRAME_HEADER_BYTES) {
                break;
            }
            header.flip();
            int length = header.getInt();
            int expectedCrc = header.getInt();
            if (length <= 0 || length > MAX_ENTRY_BYTES || position + FRAME_HEADER_BYTES + length > size) {
                break;
            }
            ByteBuffer payload = ByteBuffer.allocate(length);
            if (readFully(channel, payload, position + FRAME_HEADER_BYTES) < length) {
                break;
            }
            var crc = new CRC32C();
            crc.update(payload.array());
            if ((int) crc.getValue() != expectedCrc) {
                break;
            }
            ProcessedCommand command = decode(payload.array(), saturatedAdd(loadedAt, retentionMillis));
            boolean current = versionOf(payload.array()) == VERSION;
            if (!current) {
                withoutExpiry++;
            }
            remember(command, current ? FRAME_HEADER_BYTES + length : frame(encode(command)).length);
            position += FRAME_HEADER_BYTES + length;
        }
        if (position < size) {
            LOG.warn("processed-command store {}: cutting a torn tail of {} bytes", file, size - position);
            channel.truncate(position);
            channel.force(true);
        }
        channel.position(position);
        forgetExpired();
        if (withoutExpiry > 0) {
            // Rewritten in version 2 so the assumed expiry is durable; should that fail, the next open assumes a later one.
            LOG.info("processed-command store {}: {} entries without expiry taken to expire in {} ms; rewriting the log",
                    file, withoutExpiry, retentionMillis);
            compactOrCarryOn();
        } else if (worthCompacting()) {
            compactOrCarryOn();
        }
        publishStats();
        LOG.info("processed-command store {}: {} commands, {} bytes", file, entries.size(), channel.position());
    }

    /** Forgets every command whose expiry plus the retention is past: O(forgotten × log n). */
    private void forgetExpired() {
        long forgetBefore = clock.millis() - retentionMillis;
        boolean forgot = false;
        while (!byExpiry.isEmpty() && byExpiry.first().expiresAtMillis() < forgetBefore) {
            Live gone = entries.remove(byExpiry.pollFirst().messageId());
            liveBytes -= gone.frameBytes();
            forgot = true;
        }
        if (forgot) {
            publishStats();
        }
    }

    private void remember(ProcessedCommand command, int frameBytes) {
        Live previous = entries.put(command.messageId(), new Live(command, frameBytes));
        if (previous != null) {
            byExpiry.remove(new Expiry(previous.command().expiresAtMillis(), command.messageId()));
            liveBytes -= previous.frameBytes();
        }
        byExpiry.add(new Expiry(command.expiresAtMillis(), command.messageId()));
        liveBytes += frameBytes;
    }

    private boolean worthCompacting() throws IOException {
        long fileBytes = channel.position();
        return fileBytes > compactionFloorBytes && fileBytes > (long) COMPACTION_RATIO * liveBytes
                && fileBytes > compactionRetryAboveBytes;
    }

    /** Compaction is housekeeping: if it fails before its rename, the old log is whole and appends go on there. */
    private void compactOrCarryOn() {
        try {
            compact();
        } catch (IOException e) {
            compactionRetryAboveBytes = saturatedAdd(channelPositionOrZero(), compactionFloorBytes);
            LOG.warn("processed-command store {}: compaction failed, appending to the old log: {}", file, e.toString());
        }
    }

    /**
     * Writes the live entries to the compaction file, fsyncs it, renames it over the log and fsyncs the
     * directory, then appends to it. Nothing after the rename can fail, so the store is always on a whole log.
     */
    private void compact() throws IOException {
        long before = channel.position();
        FileChannel next = AtomicFiles.replaceKeepingOpen(file, compactionFile, Set.of(StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.READ, StandardOpenOption.WRITE), replacement -> {
                    // Not closed: closing the stream would close the channel that goes on as the log.
                    OutputStream out = new BufferedOutputStream(Channels.newOutputStream(replacement), 1 << 16);
                    for (Expiry expiry : byExpiry) {
                        out.write(frame(encode(entries.get(expiry.messageId()).command())));
                    }
                    out.flush();
                });
        FileChannel old = channel;
        channel = next;
        unsynced = false;
        compactions++;
        compactionRetryAboveBytes = 0;
        try {
            old.close();
        } catch (IOException e) {
            LOG.warn("processed-command store {}: closing the replaced log failed: {}", file, e.toString());
        }
        publishStats();
        LOG.info("processed-command store {}: compacted {} bytes to {} ({} commands)", file, before, channel.position(),
                entries.size());
    }

    private long channelPositionOrZero() {
        try {
            return channel.position();
        } catch (IOException e) {
            return 0;
        }
    }

    private void publishStats() {
        stats = new Stats(entries.size(), liveBytes, channelPositionOrZero(), compactions);
    }

    private static byte[] frame(byte[] payload) {
        if (payload.length > MAX_ENTRY_BYTES) {
            // It would be written, then read back as a torn tail and cut off with everything after it.
            throw new IllegalArgumentException("processed-command entry of " + payload.length + " bytes exceeds "
                    + MAX_ENTRY_BYTES);
        }
        var crc = new CRC32C();
        crc.update(payload);
        return ByteBuffer.allocate(FRAME_HEADER_BYTES + payload.length)
                .putInt(payload.length).putInt((int) crc.getValue()).put(payload).array();
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private static int readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        int total = 0;
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, position + total);
            if (read < 0) {
                break;
            }
            total += read;
        }
        return total;
    }

    private static byte[] encode(ProcessedCommand command) throws IOException {
        var bytes = new ByteArrayOutputStream(128);
        try (var out = new DataOutputStream(bytes)) {
            out.writeInt(VERSION);
            out.writeUTF(command.messageId());
            out.writeUTF(command.topic());
            out.writeInt(command.partition());
            out.writeLong(command.offset());
            out.writeLong(command.expiresAtMillis());
            byte[] reply = command.reply();
            out.writeInt(reply.length);
            out.write(reply);
        }
        return bytes.toByteArray();
    }

    private static int versionOf(byte[] payload) {
        return payload.length < 4 ? -1 : ByteBuffer.wrap(payload).getInt();
    }

    /** Decodes an entry; one of version 1 gets {@code assumedExpiresAtMillis}. */
    private static ProcessedCommand decode(byte[] payload, long assumedExpiresAtMillis) throws IOException {
        try (var in = new DataInputStream(new ByteArrayInputStream(payload))) {
            int version = in.readInt();
            if (version != VERSION && version != VERSION_WITHOUT_EXPIRY) {
                throw new IOException("processed-command entry of unknown version " + version);
            }
            String messageId = in.readUTF();
            String topic = in.readUTF();
            int partition = in.readInt();
            long offset = in.readLong();
            long expiresAtMillis = version == VERSION ? in.readLong() : assumedExpiresAtMillis;
            int replyLength = in.readInt();
            if (replyLength < 0 || replyLength > in.available()) {
                throw new IOException("processed-command entry of " + messageId + " claims a reply of " + replyLength
                        + " bytes");
            }
            byte[] reply = new byte[replyLength];
            in.readFully(reply);
            return new ProcessedCommand(messageId, topic, partition, offset, expiresAtMillis, reply);
        }
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }
}
