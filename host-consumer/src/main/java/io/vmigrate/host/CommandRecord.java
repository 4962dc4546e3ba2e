package io.vmigrate.host;

import java.util.Objects;

/** One record consumed from this host's command topic, as raw bytes with its coordinates. */
public final class CommandRecord {

    private final String topic;
    private final int partition;
    private final long offset;
    private final byte[] key;
    private final byte[] value;

    public CommandRecord(String topic, int partition, long offset, byte[] key, byte[] value) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.partition = partition;
        this.offset = offset;
        this.key = key == null ? null : key.clone();
        this.value = value == null ? null : value.clone();
    }

    public String topic() {
        return topic;
    }

    public int partition() {
        return partition;
    }

    public long offset() {
        return offset;
    }

    /** Raw key bytes, or null. */
    public byte[] key() {
        return key == null ? null : key.clone();
    }

    /** Raw value bytes, or null (a tombstone). */
    public byte[] value() {
        return value == null ? null : value.clone();
    }

    @Override
    public String toString() {
        return topic + "-" + partition + "@" + offset;
    }
}
