package io.vmigrate.securezone;

import io.vmigrate.trust.PublicKeyHandle;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Everything a secure zone must remember besides its own keys: pinned keys, the vTCM store, the
 * replay cache and the per-migration facts. Changed only by {@link ZoneOp}s applied once they are
 * durable ({@link ZoneStore#commit}), so one request is one atomic, durable transition; handlers read
 * it through a {@link Transition}. The replay cache and the facts each carry an expiry and are
 * forgotten through an index by expiry ({@link #forgetExpiredBefore}), so the state is bounded by
 * what happened within the retention, not by the host's history.
 */
final class ZoneState {

    /** A (migration, VM) pair a fact is about. */
    record MigrationVm(String migrationId, String vmId) implements Comparable<MigrationVm> {
        @Override
        public int compareTo(MigrationVm other) {
            int byMigration = migrationId.compareTo(other.migrationId);
            return byMigration != 0 ? byMigration : vmId.compareTo(other.vmId);
        }
    }

    /** What the zone verified about a (migration, VM) pair, remembered until its command's expiry plus the retention. */
    enum Fact {
        /** A MIGRATE_OUT of the held epoch was verified (ATTEST_VM may sign). */
        MIGRATE_OUT_VERIFIED(1),
        /** A CREATE_TARGET_VM was verified (TARGET_VM_CREATED may be signed). */
        CREATE_TARGET_VERIFIED(2),
        /** The received VM's digests matched the source's attestation (REPORT_COMPLETION may sign). */
        ATTESTATION_CHECKED(3);

        final byte code;

        Fact(int code) {
            this.code = (byte) code;
        }

        static Fact of(byte code) {
            for (Fact fact : values()) {
                if (fact.code == code) {
                    return fact;
                }
            }
            throw new IllegalArgumentException("unknown fact " + code);
        }
    }

    /** A command acted on: its expiry (after which the opener refuses it anyway) and the reply produced. */
    record ReplayEntry(String messageId, long expiresAtMillis, byte[] signedReply) {}

    /** The VM key a migration installed here. */
    record KeyInstalled(String vmId, String keyFingerprint, long epoch) {}

    /** The agent key and center keys pinned at provisioning. */
    record Pins(PublicKeyHandle agentKey, List<PublicKeyHandle> centerKeys) {}

    /** A center key rotation this zone verified and accepted (see {@link CenterKeyRotationAcceptor}). */
    record AcceptedRotation(long sequence, String oldKeyId, PublicKeyHandle newKey, long validFromMillis,
            long oldKeyValidUntilMillis) {}

    private Pins pins;
    /** By VM id, sorted so that equal states encode alike. */
    private final Map<String, InstalledVmKey> installedByVm = new TreeMap<>();
    private final ExpiringMap<String, ReplayEntry> replayByMessageId = new ExpiringMap<>();
    private final Map<Fact, ExpiringMap<MigrationVm, Boolean>> facts = new EnumMap<>(Fact.class);
    private final ExpiringMap<String, KeyInstalled> keyInstalledByMigration = new ExpiringMap<>();
    /** Accepted center key rotations, in sequence order (1, 2, ...). */
    private final List<AcceptedRotation> rotations = new ArrayList<>();
    /**
     * Every replay entry of a command that expired before this instant may have been forgotten: such a
     * command is refused whatever the clock says now ({@link CommandGate}), so a clock stepped back cannot
     * make it look fresh and be carried out twice. Only ever raised.
     */
    private long repliesForgottenBeforeMillis = Long.MIN_VALUE;

    ZoneState() {
        for (Fact fact : Fact.values()) {
            facts.put(fact, new ExpiringMap<>());
        }
    }

    Optional<Pins> pins() {
        return Optional.ofNullable(pins);
    }

    Optional<InstalledVmKey> installedKey(String vmId) {
        return Optional.ofNullable(installedByVm.get(vmId));
    }

    /** The vTCM store, by VM id. */
    Collection<InstalledVmKey> installedKeys() {
        return Collections.unmodifiableCollection(installedByVm.values());
    }

    Optional<ReplayEntry> replayEntry(String messageId) {
        return Optional.ofNullable(replayByMessageId.get(messageId));
    }

    boolean has(Fact fact, MigrationVm pair) {
        return facts.get(fact).containsKey(pair);
    }

    Optional<KeyInstalled> keyInstalled(String migrationId) {
        return Optional.ofNullable(keyInstalledByMigration.get(migrationId));
    }

    List<AcceptedRotation> rotations() {
        return Collections.unmodifiableList(rotations);
    }

    /** Commands that expired before this instant are refused: their replay entries may be forgotten. */
    long repliesForgottenBeforeMillis() {
        return repliesForgottenBeforeMillis;
    }

    int replayEntries() {
        return replayByMessageId.size();
    }

    /** How many facts and key installations are remembered. */
    int migrationFacts() {
        int count = keyInstalledByMigration.size();
        for (ExpiringMap<MigrationVm, Boolean> kind : facts.values()) {
            count += kind.size();
        }
        return count;
    }

    // The changes, applied only by ZoneOps (and by decoding).

    void pin(Pins pins) {
        this.pins = pins;
    }

    /** Returns the key it replaced, if any. */
    InstalledVmKey putInstalled(InstalledVmKey key) {
        return installedByVm.put(key.vmId(), key);
    }

    InstalledVmKey removeInstalled(String vmId) {
        return installedByVm.remove(vmId);
    }

    void putReplay(ReplayEntry entry) {
        replayByMessageId.put(entry.messageId(), entry.expiresAtMillis(), entry);
    }

    void addFact(Fact fact, MigrationVm pair, long expiresAtMillis) {
        facts.get(fact).put(pair, expiresAtMillis, Boolean.TRUE);
    }

    void removeFact(Fact fact, MigrationVm pair) {
        facts.get(fact).remove(pair);
    }

    void putKeyInstalled(String migrationId, KeyInstalled installed, long expiresAtMillis) {
        keyInstalledByMigration.put(migrationId, expiresAtMillis, installed);
    }

    void removeKeyInstalled(String migrationId) {
        keyInstalledByMigration.remove(migrationId);
    }

    void addRotation(AcceptedRotation rotation) {
        rotations.add(rotation);
    }

    /** Whether anything would be forgotten by {@link #forgetExpiredBefore} (O(1)). */
    boolean hasExpiredBefore(long beforeMillis) {
        if (replayByMessageId.hasExpiredBefore(beforeMillis) || keyInstalledByMigration.hasExpiredBefore(beforeMillis)) {
            return true;
        }
        for (ExpiringMap<MigrationVm, Boolean> kind : facts.values()) {
            if (kind.hasExpiredBefore(beforeMillis)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Forgets the replay entries and facts that expire before {@code beforeMillis}, by polling their
     * indexes (O(forgotten × log n)); returns how many. Deterministic, so replaying it gives the same state.
     */
    int forgetExpiredBefore(long beforeMillis) {
        int forgotten = forgetRepliesExpiredBefore(beforeMillis)
                + keyInstalledByMigration.forgetExpiredBefore(beforeMillis);
        for (ExpiringMap<MigrationVm, Boolean> kind : facts.values()) {
            forgotten += kind.forgetExpiredBefore(beforeMillis);
        }
        return forgotten;
    }

    /** Whether {@link #forgetRepliesExpiredBefore} would forget anything (O(1)). */
    boolean hasRepliesExpiredBefore(long beforeMillis) {
        return replayByMessageId.hasExpiredBefore(beforeMillis);
    }

    /**
     * Forgets the replay entries of commands that expired before {@code beforeMillis} and raises
     * {@link #repliesForgottenBeforeMillis} to it; returns how many. Deterministic, as the journal needs.
     */
    int forgetRepliesExpiredBefore(long beforeMillis) {
        raiseRepliesForgottenBefore(beforeMillis);
        return replayByMessageId.forgetExpiredBefore(beforeMillis);
    }

    void raiseRepliesForgottenBefore(long beforeMillis) {
        repliesForgottenBeforeMillis = Math.max(repliesForgottenBeforeMillis, beforeMillis);
    }

    // For the encoding (ZoneStateCodec).

    ExpiringMap<String, ReplayEntry> replayCache() {
        return replayByMessageId;
    }

    ExpiringMap<MigrationVm, Boolean> facts(Fact fact) {
        return facts.get(fact);
    }

    ExpiringMap<String, KeyInstalled> keyInstallations() {
        return keyInstalledByMigration;
    }
}
