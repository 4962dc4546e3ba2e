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
