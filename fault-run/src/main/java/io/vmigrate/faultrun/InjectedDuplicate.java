package io.vmigrate.faultrun;

import java.util.Objects;

/**
 * An exact copy of a record, produced on purpose by the fault schedule: the replay may name it (a replayed
 * command, say), and only an anomaly at a copy's coordinates is excused, as "injected duplicate".
 */
public record InjectedDuplicate(String topic, int partition, long offset, String originalTopic, int originalPartition,
        long originalOffset) {

    public InjectedDuplicate {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(originalTopic, "originalTopic");
    }

    public boolean isAt(String topic, int partition, long offset) {
        return this.topic.equals(topic) && this.partition == partition && this.offset == offset;
    }

    @Override
    public String toString() {
        return topic + "-" + partition + "@" + offset + " (copy of " + originalTopic + "-" + originalPartition + "@"
                + originalOffset + ")";
    }
}
