package io.vmigrate.center;

import io.vmigrate.schema.registry.TrustRegistryEntries;
import io.vmigrate.schema.registry.TrustRegistryEntry;
import io.vmigrate.trust.Verifier;
import java.util.Optional;
import java.util.function.Function;

/**
 * Which {@code trust.registry} records are the center's: an entry the center's key signed, whose entry
 * id is the record's key, and that is not older ({@code registeredAt}) than the entry already held for
 * that key. Everything else on the topic (tombstones, foreign or unsigned entries, replays of older
 * entries, undecodable bytes) changes nothing the center trusts. One judgement for the global store
 * and for the {@link RegistryReasserter}, so both agree on what the current entry of a key is.
 */
final class CenterRegistryEntries {

    /** Why a record was not taken; bounded, so it can tag a metric. */
    enum Ignored {
        NO_KEY, TOMBSTONE, UNDECODABLE, NOT_CENTER_SIGNED, OLDER_THAN_HELD;

        String tag() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /** Either the entry to hold for the key, or why the record is ignored. */
    record Verdict(Optional<TrustRegistryEntry> taken, Ignored ignored, String detail) {

        static Verdict take(TrustRegistryEntry entry) {
            return new Verdict(Optional.of(entry), null, "");
        }

        static Verdict ignore(Ignored why, String detail) {
            return new Verdict(Optional.empty(), why, detail);
        }

        boolean isTaken() {
            return taken.isPresent();
        }
    }

    /** The center's keys by id: every key it ever signed with (a rotation keeps the older entries valid). */
    private final Function<String, Optional<Verifier>> centerKeys;

    CenterRegistryEntries(Function<String, Optional<Verifier>> centerKeys) {
        this.centerKeys = centerKeys;
    }

    /** Entries of one key only, e.g. in tests. */
    CenterRegistryEntries(Verifier center) {
        this(keyId -> center.keyId().toString().equals(keyId) ? Optional.of(center) : Optional.empty());
    }

    /** A record key as a log line may show it: bounded, whatever was written. */
    static String printable(String key) {
        if (key == null) {
            return "(none)";
        }
        return key.length() <= 100 ? key : key.substring(0, 100) + "...";
    }

    /** Judges {@code value} found under {@code key}, given the entry currently {@code held} for it (or null). */
    Verdict judge(String key, RegistryRecord value, TrustRegistryEntry held) {
        if (key == null) {
            return Verdict.ignore(Ignored.NO_KEY, "record without key");
        }
        if (value instanceof RegistryRecord.Decoded decoded) {
            return judgeEntry(key, decoded.entry(), held);
        }
        if (value instanceof RegistryRecord.Undecodable undecodable) {
            return Verdict.ignore(Ignored.UNDECODABLE, undecodable.reason());
        }
        return Verdict.ignore(Ignored.TOMBSTONE, "tombstone; the center never deletes a registry entry");
    }

    private boolean signedByCenter(TrustRegistryEntry entry) {
        try {
            Optional<Verifier> center = centerKeys.apply(entry.getSignerKeyId());
            return center.isPresent() && TrustRegistryEntries.isSignedBy(entry, center.get());
        } catch (RuntimeException e) {
            // A decoded but hostile entry (e.g. a field the signing input cannot encode) is simply not the center's:
            // nothing the registry's readers do may throw, the global thread would die of it.
            return false;
        }
    }

    private Verdict judgeEntry(String key, TrustRegistryEntry entry, TrustRegistryEntry held) {
        if (!key.equals(entry.getEntryId()) || !signedByCenter(entry)) {
            return Verdict.ignore(Ignored.NOT_CENTER_SIGNED, "not an entry for this key signed by a center key");
        }
        if (held != null && entry.getRegisteredAt().isBefore(held.getRegisteredAt())) {
            return Verdict.ignore(Ignored.OLDER_THAN_HELD, "registered " + entry.getRegisteredAt()
                    + ", before the held entry's " + held.getRegisteredAt());
        }
        return Verdict.take(entry);
    }
}
