package io.vmigrate.center;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Ids of a store's entries by the time they may be forgotten from, in a store of their own whose keys sort by
 * time (zero-padded epoch millis, then the id), so that what is due is a range read from the start: forgetting
 * costs what is forgotten, never a scan of everything kept.
 */
final class RetentionIndex {

    private static final String SEPARATOR = "|";

    private final KeyValueStore<String, String> index;

    RetentionIndex(KeyValueStore<String, String> index) {
        this.index = index;
    }

    static String key(Instant at, String id) {
        return String.format("%019d", Math.max(0, at.toEpochMilli())) + SEPARATOR + id;
    }

    /** Idempotent for one (time, id). */
    void add(Instant at, String id) {
        index.put(key(at, id), id);
    }

    /** Removes and returns up to {@code max} ids indexed before {@code cutoff}, oldest first. */
    List<String> takeDue(Instant cutoff, int max) {
        List<KeyValue<String, String>> due = new ArrayList<>();
        // Every key starts with 19 digits; "|" sorts after any digit, so this bound takes all of cutoff's millisecond.
        String upTo = String.format("%019d", Math.max(0, cutoff.toEpochMilli() - 1)) + SEPARATOR + Character.MAX_VALUE;
        try (KeyValueIterator<String, String> range = index.range(null, upTo)) {
            while (range.hasNext() && due.size() < max) {
                due.add(range.next());
            }
        }
        List<String> ids = new ArrayList<>(due.size());
        for (KeyValue<String, String> entry : due) {
            index.delete(entry.key);
            ids.add(entry.value);
        }
        return ids;
    }
}
