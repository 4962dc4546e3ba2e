package io.vmigrate.securezone;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * A map whose entries each carry an expiry, indexed by (expiry, key) so that forgetting what expired
 * costs what is forgotten (O(forgotten × log n)), never a scan. Iterates in index order, so two maps
 * with the same entries encode the same way.
 */
final class ExpiringMap<K extends Comparable<K>, V> {

    /** An entry's value and expiry. */
    private record Slot<V>(long expiresAtMillis, V value) {}

    /** The index key: oldest expiry first, ties broken by key. */
    private record At<K extends Comparable<K>>(long expiresAtMillis, K key) implements Comparable<At<K>> {
        @Override
        public int compareTo(At<K> other) {
            int byTime = Long.compare(expiresAtMillis, other.expiresAtMillis);
            return byTime != 0 ? byTime : key.compareTo(other.key);
        }
    }

    private final Map<K, Slot<V>> slots = new HashMap<>();
    private final TreeSet<At<K>> byExpiry = new TreeSet<>();

    V get(K key) {
        Slot<V> slot = slots.get(key);
        return slot == null ? null : slot.value();
    }

    boolean containsKey(K key) {
        return slots.containsKey(key);
    }

    int size() {
        return slots.size();
    }

    void put(K key, long expiresAtMillis, V value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        Slot<V> previous = slots.put(key, new Slot<>(expiresAtMillis, value));
        if (previous != null) {
            byExpiry.remove(new At<>(previous.expiresAtMillis(), key));
        }
        byExpiry.add(new At<>(expiresAtMillis, key));
    }

    V remove(K key) {
        Slot<V> removed = slots.remove(key);
        if (removed == null) {
            return null;
        }
        byExpiry.remove(new At<>(removed.expiresAtMillis(), key));
        return removed.value();
    }

    /** Whether any entry expires before {@code beforeMillis} (O(1)). */
    boolean hasExpiredBefore(long beforeMillis) {
        return !byExpiry.isEmpty() && byExpiry.first().expiresAtMillis() < beforeMillis;
    }

    /** Forgets every entry that expires before {@code beforeMillis}; returns how many. */
    int forgetExpiredBefore(long beforeMillis) {
        int forgotten = 0;
        while (hasExpiredBefore(beforeMillis)) {
            slots.remove(byExpiry.pollFirst().key());
            forgotten++;
        }
        return forgotten;
    }

    /** Each entry with its expiry, oldest first (the order a snapshot encodes them in). */
    <E extends Exception> void forEach(EntryConsumer<K, V, E> consumer) throws E {
        for (At<K> at : byExpiry) {
            consumer.accept(at.key(), at.expiresAtMillis(), slots.get(at.key()).value());
        }
    }

    @FunctionalInterface
    interface EntryConsumer<K, V, E extends Exception> {
        void accept(K key, long expiresAtMillis, V value) throws E;
    }
}
