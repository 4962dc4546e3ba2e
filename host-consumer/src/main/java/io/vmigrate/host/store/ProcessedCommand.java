package io.vmigrate.host.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A command this agent has carried out: where it was consumed, when its envelope expires (as the secure
 * zone verified it), and the reply it published (single-object SignedEnvelope bytes; empty when nothing
 * was published, e.g. a dead-lettered record).
 */
public final class ProcessedCommand {

    private final String messageId;
    private final String topic;
    private final int partition;
    private final long offset;
    private final long expiresAtMillis;
    private final byte[] reply;

    public ProcessedCommand(String messageId, String topic, int partition, long offset, long expiresAtMillis,
            byte[] reply) {
        this.messageId = Objects.requireNonNull(messageId, "messageId");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.partition = partition;
        this.offset = offset;
        this.expiresAtMillis = expiresAtMillis;
        this.reply = Objects.requireNonNull(reply, "reply").clone();
    }

    public String messageId() {
        return messageId;
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

    /**
     * When the command's envelope expires, epoch millis: after that (plus the clock skew the secure zone
     * allows) the zone refuses it before anything else, so this agent may forget it a margin later.
     */
    public long expiresAtMillis() {
        return expiresAtMillis;
    }

    public byte[] reply() {
        return reply.clone();
    }

    public boolean hasReply() {
        return reply.length > 0;
    }

    /** Whether this is the very record consumed before: a redelivery, not a replay. */
    public boolean isSameRecord(String otherTopic, int otherPartition, long otherOffset) {
        return topic.equals(otherTopic) && partition == otherPartition && offset == otherOffset;
    }

    @Override
    public String toString() {
        return "ProcessedCommand[" + messageId + " at " + topic + "-" + partition + "@" + offset + ", expires "
                + Instant.ofEpochMilli(expiresAtMillis) + "]";
    }
}
