package io.vmigrate.forensics;

/** Where a record is: topic, partition, offset. */
public record RecordCoordinates(String topic, int partition, long offset) {

    public static final RecordCoordinates CENTER = new RecordCoordinates("(center)", -1, -1);

    @Override
    public String toString() {
        return topic + "/" + partition + "@" + offset;
    }
}
