package io.vmigrate.forensics;

import java.util.Comparator;
import java.util.Objects;

/**
 * One broken rule, named by the record that shows it. {@code topic} is "(center)" and the partition
 * and offset -1 when the evidence is the live center rather than a record.
 */
public record Anomaly(Rule rule, String topic, int partition, long offset, String migrationId, String detail)
        implements Comparable<Anomaly> {

    private static final Comparator<Anomaly> ORDER = Comparator.comparing(Anomaly::topic)
            .thenComparingInt(Anomaly::partition)
            .thenComparingLong(Anomaly::offset)
            .thenComparing(Anomaly::rule)
            .thenComparing(a -> a.migrationId() == null ? "" : a.migrationId())
            .thenComparing(Anomaly::detail);

    public Anomaly {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(detail, "detail");
    }

    public static Anomaly at(Rule rule, RecordCoordinates at, String migrationId, String detail) {
        return new Anomaly(rule, at.topic(), at.partition(), at.offset(), migrationId, detail);
    }

    public String coordinates() {
        return topic + "/" + partition + "@" + offset;
    }

    @Override
    public int compareTo(Anomaly other) {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
        return rule + " at " + coordinates() + (migrationId == null ? "" : " migration " + migrationId) + ": " + detail;
    }
}
