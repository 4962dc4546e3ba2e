package io.vmigrate.host.store;

import io.vmigrate.common.io.AtomicFiles;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Durable map of message id to {@link ProcessedCommand}. An append-only log of length- and
 * CRC-framed entries, each fsynced before {@link #record} returns; on open a torn tail (a crash in
 * the middle of an append) is cut off, so everything acknowledged survives a kill -9. The log holds
 * only replies already published on Kafka (signed envelopes, no key material).
 */
public final class ProcessedCommandStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ProcessedCommandStore.class);
    private static final int VERSION = 1;
    private static final int MAX_ENTRY_BYTES = 16 << 20;

    private final Path file;
    private final FileChannel channel;
    private final Map<String, ProcessedCommand> entries;

    private ProcessedCommandStore(Path file, FileChannel channel, Map<String, ProcessedCommand> entries) {
        this.file = file;
        this.channel = channel;
        this.entries = entries;
    }

    public static ProcessedCommandStore open(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        Path absolute = file.toAbsolutePath();
        Files.createDirectories(absolute.getParent());
        boolean created = !Files.exists(absolute);
        FileChannel channel = FileChannel.open(absolute, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            if (created) {
                AtomicFiles.syncDirectory(absolute.getParent());
            }
            Map<String, ProcessedCommand> entries = new HashMap<>();
            long valid = load(channel, entries);
            if (valid < channel.size()) {
                LOG.warn("processed-command store {}: cutting a torn tail of {} bytes", absolute, channel.size() - valid);
                channel.truncate(valid);
                channel.force(true);
            }
            channel.position(valid);
            LOG.info("processed-command store {}: {} commands", absolute, entries.size());
            return new ProcessedCommandStore(absolute, channel, entries);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    public synchronized Optional<ProcessedCommand> find(String messageId) {
        return Optional.ofNullable(entries.get(messageId));
    }

    /** Appends and fsyncs; returns only once the entry is durable. */
    public synchronized void record(ProcessedCommand command) throws IOException {
        byte[] payload = encode(command);
        var crc = new CRC32C();
        crc.update(payload);
        ByteBuffer frame = ByteBuffer.allocate(8 + payload.length)
                .putInt(payload.length).putInt((int) crc.getValue()).put(payload);
        frame.flip();
        long start = channel.position();
        try {
            while (frame.hasRemaining()) {
                channel.write(frame);
            }
            channel.force(true);
        } catch (IOException e) {
            // Leave no half entry behind for the next append to follow.
            channel.truncate(start);
            channel.position(start);
            throw e;
        }
        entries.put(command.messageId(), command);
    }

    public synchronized int size() {
        return entries.size();
    }

    public Path file() {
        return file;
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }

    private static long load(FileChannel channel, Map<String, ProcessedCommand> entries) throws IOException {
        long size = channel.size();
        long position = 0;
        ByteBuffer header = ByteBuffer.allocate(8);
        while (position + 8 <= size) {
            header.clear();
            if (readFully(channel, header, position) < 8) {
                break;
            }
            header.flip();
            int length = header.getInt();
            int expectedCrc = header.getInt();
            if (length <= 0 || length > MAX_ENTRY_BYTES || position + 8 + length > size) {
                break;
            }
            ByteBuffer payload = ByteBuffer.allocate(length);
            if (readFully(channel, payload, position + 8) < length) {
                break;
            }
            var crc = new CRC32C();
            crc.update(payload.array());
            if ((int) crc.getValue() != expectedCrc) {
                break;
            }
            ProcessedCommand command = decode(payload.array());
            entries.put(command.messageId(), command);
            position += 8 + length;
        }
        return position;
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
            byte[] reply = command.reply();
            out.writeInt(reply.length);
            out.write(reply);
        }
        return bytes.toByteArray();
    }

    private static ProcessedCommand decode(byte[] payload) throws IOException {
        try (var in = new DataInputStream(new ByteArrayInputStream(payload))) {
            int version = in.readInt();
            if (version != VERSION) {
                throw new IOException("processed-command entry of unknown version " + version);
            }
            String messageId = in.readUTF();
            String topic = in.readUTF();
            int partition = in.readInt();
            long offset = in.readLong();
            byte[] reply = new byte[in.readInt()];
            in.readFully(reply);
            return new ProcessedCommand(messageId, topic, partition, offset, reply);
        }
    }
}
