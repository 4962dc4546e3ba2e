package io.vmigrate.center;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Whether a record sits on the partition its key maps to under the producers' default partitioner. A
 * record elsewhere reaches a task that holds none of its key's state: a registration would mint a second
 * epoch-0 binding, an enrollment of a retired host would be approved again from the allow-list.
 */
final class KeyPlacement {

    private KeyPlacement() {}

    /** Why the record at {@code metadata} is on the wrong partition for {@code key}, or null if it is where it belongs. */
    static String misplaced(String key, Optional<RecordMetadata> metadata, int partitions) {
        if (key == null) {
            return "record without key";
        }
        if (metadata.isEmpty()) {
            return null;
        }
        int expected = Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
        int actual = metadata.get().partition();
        return actual == expected ? null : "record keyed " + CenterRegistryEntries.printable(key) + " is on partition " + actual + " of "
                + metadata.get().topic() + "; its key maps to partition " + expected + " of " + partitions;
    }
}
