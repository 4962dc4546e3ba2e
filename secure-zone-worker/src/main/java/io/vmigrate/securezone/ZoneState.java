package io.vmigrate.securezone;

import io.vmigrate.trust.PublicKeyHandle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Everything a secure zone must remember besides its own keys: pinned keys, the vTCM store, the
 * replay cache and the per-migration facts. Changed only on a copy that is persisted before it
 * replaces the current state, so one request is one atomic, durable transition.
 */
final class ZoneState {

    /** A (migration, VM) pair a fact is about. */
    record MigrationVm(String migrationId, String vmId) {}

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
    final Map<String, InstalledVmKey> installedByVm = new LinkedHashMap<>();
    final Map<String, ReplayEntry> replayByMessageId = new LinkedHashMap<>();
    final Set<MigrationVm> verifiedMigrateOut = new LinkedHashSet<>();
    final Set<MigrationVm> verifiedCreateTarget = new LinkedHashSet<>();
    final Set<MigrationVm> attestationChecked = new LinkedHashSet<>();
    final Map<String, KeyInstalled> keyInstalledByMigration = new LinkedHashMap<>();
    /** Accepted center key rotations, in sequence order (1, 2, ...). */
    final List<AcceptedRotation> rotations = new ArrayList<>();

    ZoneState copy() {
        ZoneState copy = new ZoneState();
        copy.pins = pins;
        copy.installedByVm.putAll(installedByVm);
        copy.replayByMessageId.putAll(replayByMessageId);
        copy.verifiedMigrateOut.addAll(verifiedMigrateOut);
        copy.verifiedCreateTarget.addAll(verifiedCreateTarget);
        copy.attestationChecked.addAll(attestationChecked);
        copy.keyInstalledByMigration.putAll(keyInstalledByMigration);
        copy.rotations.addAll(rotations);
        return copy;
    }

    Optional<Pins> pins() {
        return Optional.ofNullable(pins);
    }

    void pin(Pins pins) {
        this.pins = pins;
    }

    Optional<InstalledVmKey> installedKey(String vmId) {
        return Optional.ofNullable(installedByVm.get(vmId));
    }

    /** Forgets commands whose envelope has expired (plus skew): the opener refuses them before the cache is asked. */
    void pruneReplayCache(long refusedBeforeMillis) {
        replayByMessageId.values().removeIf(entry -> entry.expiresAtMillis() < refusedBeforeMillis);
    }
}
