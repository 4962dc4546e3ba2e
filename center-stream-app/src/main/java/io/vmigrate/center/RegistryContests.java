package io.vmigrate.center;

import io.vmigrate.schema.registry.TrustRegistryEntry;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What {@link RegistryReasserter} knows, free of Kafka: the center's current entry per registry key, as
 * read so far, and the keys whose latest record is not that entry. Fed every record in topic order.
 */
final class RegistryContests {

    private final CenterRegistryEntries judge;
    private final Map<String, TrustRegistryEntry> held = new HashMap<>();
    private final Set<String> contested = new LinkedHashSet<>();

    RegistryContests(CenterRegistryEntries judge) {
        this.judge = judge;
    }

    /**
     * Takes the record found under {@code key} into account. Returns the verdict, so the caller can say
     * why a record contests a key ({@link #isContested}).
     */
    CenterRegistryEntries.Verdict observe(String key, RegistryRecord value) {
        TrustRegistryEntry current = key == null ? null : held.get(key);
        CenterRegistryEntries.Verdict verdict = judge.judge(key, value, current);
        if (verdict.isTaken()) {
            held.put(key, verdict.taken().orElseThrow());
            contested.remove(key);
        } else if (current != null) {
            contested.add(key);
        }
        return verdict;
    }

    /**
     * Adopts entries the center's own global store holds but the topic no longer shows at all (compaction
     * erased them while no center was running to answer a tombstone): each is held and contested, so it is
     * republished. Entries of keys the topic still shows are left to the topic's order.
     */
    void recover(Iterable<TrustRegistryEntry> storeEntries) {
        for (TrustRegistryEntry entry : storeEntries) {
            String key = entry.getEntryId();
            if (!held.containsKey(key) && judge.judge(key, new RegistryRecord.Decoded(entry), null).isTaken()) {
                held.put(key, entry);
                contested.add(key);
            }
        }
    }

    boolean isContested(String key) {
        return contested.contains(key);
    }

    /** The keys to answer, in the order they were first contested. */
    List<String> contested() {
        return List.copyOf(contested);
    }

    /** The entry the center holds for {@code key}. */
    Optional<TrustRegistryEntry> held(String key) {
        return Optional.ofNullable(held.get(key));
    }

    /** {@code key} was answered: its held entry has been republished. */
    void answered(String key) {
        contested.remove(key);
    }
}
