package io.vmigrate.securezone;

import io.vmigrate.trust.Aead;
import io.vmigrate.trust.DecryptionRefusedException;
import io.vmigrate.trust.MalformedBlobException;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.Suite;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The zone's sealed store: its durable {@link ZoneState} (the vTCM store of sealed VM keys among it)
 * and those VM keys unsealed in memory. Changed only by {@link #commit}, which makes a transition
 * durable before it becomes current. Not thread-safe: {@link SecureZone} serves one request at a time.
 */
final class ZoneStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ZoneStore.class);

    private final String hostId;
    private final ZoneStateFile file;
    /** Unsealed VM keys, by VM id; destroyed (zeroized) when removed from the vTCM store. */
    private final Map<String, PrivateKeyHandle> vmKeys = new HashMap<>();
    private ZoneState state;

    private ZoneStore(String hostId, ZoneStateFile file, ZoneState state) {
        this.hostId = hostId;
        this.file = file;
        this.state = state;
    }

    /**
     * Reads the state of {@code stateDir} (writing an empty one on first start) and unseals its VM keys.
     * {@code firstStart} is true only when the zone's state-sealing key was just created: then a missing
     * (or version-1) state is expected; otherwise a missing state means someone deleted it, and the zone
     * refuses to start empty (it would forget destroyed keys, its pins and its replay cache).
     */
    static ZoneStore open(String hostId, Suite suite, Path stateDir, Aead vtcmSealing, Aead stateSealing,
            boolean firstStart) throws IOException {
        ZoneStateFile file = new ZoneStateFile(stateDir, suite, hostId, stateSealing);
        Optional<ZoneState> stored = file.read(firstStart);
        if (stored.isEmpty() && !firstStart) {
            throw new ZoneStateMissingException("secure zone state " + file.file() + " is missing next to the zone's "
                    + "existing sealed keys; refusing to start empty. Restore it from the zone's own backup, or retire "
                    + "and re-enroll the host with a fresh state directory.");
        }
        ZoneState state = stored.orElseGet(ZoneState::new);
        if (firstStart) {
            // A new zone's empty state, or a version-1 state sealed for the first time, is written before anything is served.
            file.write(state);
        }
        ZoneStore store = new ZoneStore(hostId, file, state);
        try {
            store.unsealVmKeys(vtcmSealing, suite);
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
        return store;
    }

    private void unsealVmKeys(Aead vtcmSealing, Suite suite) throws IOException {
        for (InstalledVmKey installed : state.installedByVm.values()) {
            try {
                vmKeys.put(installed.vmId(), VtcmStore.unseal(vtcmSealing, suite, installed));
            } catch (MalformedBlobException | DecryptionRefusedException e) {
                throw new IOException("cannot unseal the VM key of " + installed.vmId() + " epoch " + installed.epoch(), e);
            }
        }
    }

    ZoneState current() {
        return state;
    }

    /** A transition from the current state; nothing changes until it is committed. */
    Transition begin() {
        return new Transition(state.copy());
    }

    /** Makes the transition durable, then current; on failure nothing changes (and nothing is acknowledged). */
    void commit(Transition tx) throws IOException {
        try {
            file.write(tx.next);
        } catch (IOException | RuntimeException e) {
            tx.installs.values().forEach(PrivateKeyHandle::destroy);
            throw e;
        }
        state = tx.next;
        for (String vmId : tx.destroyed) {
            PrivateKeyHandle removed = vmKeys.remove(vmId);
            if (removed != null) {
                removed.destroy();
                LOG.info("host {}: destroyed VM key {} of VM {}", hostId, removed.keyId(), vmId);
            }
        }
        tx.installs.forEach((vmId, key) -> {
            PrivateKeyHandle replaced = vmKeys.put(vmId, key);
            if (replaced != null) {
                replaced.destroy();
            }
        });
    }

    /** Destroys the unsealed VM keys; the sealed ones stay on disk. */
    @Override
    public void close() {
        vmKeys.values().forEach(PrivateKeyHandle::destroy);
        vmKeys.clear();
    }
}
