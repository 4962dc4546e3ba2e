package io.vmigrate.securezone;

import io.vmigrate.securezone.ZoneState.AcceptedRotation;
import io.vmigrate.securezone.ZoneState.Fact;
import io.vmigrate.securezone.ZoneState.KeyInstalled;
import io.vmigrate.securezone.ZoneState.MigrationVm;
import io.vmigrate.securezone.ZoneState.Pins;
import io.vmigrate.securezone.ZoneState.ReplayEntry;
import io.vmigrate.trust.PrivateKeyHandle;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One request's change to the zone, as an overlay on the current state: reads (those the handlers
 * make while deciding) see the current state plus this transition's changes, writes are recorded as {@link ZoneOp}s (what the journal stores) and
 * the unsealed VM keys it adds or destroys. The current state is not touched: nothing of it takes
 * effect until {@link ZoneStore#commit} made the operations durable, so a request costs what it changes,
 * not what the zone remembers.
 */
final class Transition {

    /** One fact about one pair. */
    private record FactRef(Fact fact, MigrationVm pair) {}

    private final ZoneState base;
    private final List<ZoneOp> ops = new ArrayList<>();
    // What this transition changed, for reads (an empty Optional: removed).
    private final Map<String, Optional<InstalledVmKey>> installed = new HashMap<>();
    private final Map<FactRef, Boolean> facts = new HashMap<>();
    private final Map<String, Optional<KeyInstalled>> keyInstalled = new HashMap<>();
    private final List<AcceptedRotation> rotations = new ArrayList<>();
    /** VM keys to hold once committed, by VM id (destroyed instead if the commit fails). */
    private final Map<String, PrivateKeyHandle> installs = new HashMap<>();
    /** VM ids whose held key is destroyed once committed. */
    private final Set<String> destroyed = new LinkedHashSet<>();

    Transition(ZoneState base) {
        this.base = base;
    }

    // Reads: the current state plus this transition's changes.

    Optional<InstalledVmKey> installedKey(String vmId) {
        Optional<InstalledVmKey> changed = installed.get(vmId);
        return changed != null ? changed : base.installedKey(vmId);
    }

    boolean has(Fact fact, MigrationVm pair) {
        Boolean changed = facts.get(new FactRef(fact, pair));
        return changed != null ? changed : base.has(fact, pair);
    }

    Optional<KeyInstalled> keyInstalled(String migrationId) {
        Optional<KeyInstalled> changed = keyInstalled.get(migrationId);
        return changed != null ? changed : base.keyInstalled(migrationId);
    }

    /** The last accepted center key rotation, if any. */
    Optional<AcceptedRotation> lastRotation() {
        if (!rotations.isEmpty()) {
            return Optional.of(rotations.get(rotations.size() - 1));
        }
        List<AcceptedRotation> accepted = base.rotations();
        return accepted.isEmpty() ? Optional.empty() : Optional.of(accepted.get(accepted.size() - 1));
    }

    // Writes: recorded, applied to the state only once durable.

    void pin(Pins pins) {
        ops.add(new ZoneOp.Pin(pins));
    }

    /** Seals {@code key} into the vTCM store (replacing the VM's older key) and holds {@code unsealed} once committed. */
    void installKey(InstalledVmKey key, PrivateKeyHandle unsealed) {
        installed.put(key.vmId(), Optional.of(key));
        ops.add(new ZoneOp.PutInstalledKey(key));
        PrivateKeyHandle replaced = installs.put(key.vmId(), unsealed);
        if (replaced != null) {
            replaced.destroy();
        }
    }

    /** Removes the VM's key from the vTCM store; its unsealed key is destroyed once committed. */
    void destroyKey(String vmId) {
        installed.put(vmId, Optional.empty());
        ops.add(new ZoneOp.RemoveInstalledKey(vmId));
        destroyed.add(vmId);
    }

    void remember(ReplayEntry entry) {
        ops.add(new ZoneOp.PutReplayEntry(entry));
    }

    /** Remembers the fact until {@code expiresAtMillis} (the expiry of the command that established it) plus the retention. */
    void addFact(Fact fact, MigrationVm pair, long expiresAtMillis) {
        facts.put(new FactRef(fact, pair), Boolean.TRUE);
        ops.add(new ZoneOp.AddFact(fact, pair, expiresAtMillis));
    }

    void removeFact(Fact fact, MigrationVm pair) {
        facts.put(new FactRef(fact, pair), Boolean.FALSE);
        ops.add(new ZoneOp.RemoveFact(fact, pair));
    }

    void putKeyInstalled(String migrationId, KeyInstalled installation, long expiresAtMillis) {
        keyInstalled.put(migrationId, Optional.of(installation));
        ops.add(new ZoneOp.PutKeyInstalled(migrationId, installation, expiresAtMillis));
    }

    void removeKeyInstalled(String migrationId) {
        keyInstalled.put(migrationId, Optional.empty());
        ops.add(new ZoneOp.RemoveKeyInstalled(migrationId));
    }

    void addRotation(AcceptedRotation rotation) {
        rotations.add(rotation);
        ops.add(new ZoneOp.AddRotation(rotation));
    }

    // For the store.

    List<ZoneOp> ops() {
        return Collections.unmodifiableList(ops);
    }

    /** Appended by the store at commit (forgetting what expired). */
    void add(ZoneOp op) {
        ops.add(op);
    }

    Map<String, PrivateKeyHandle> installs() {
        return installs;
    }

    Set<String> destroyed() {
        return destroyed;
    }

    boolean isEmpty() {
        return ops.isEmpty();
    }
}
