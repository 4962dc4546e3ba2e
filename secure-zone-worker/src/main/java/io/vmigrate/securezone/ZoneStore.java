package io.vmigrate.securezone;

import io.vmigrate.common.io.AtomicFiles;
import io.vmigrate.trust.Aead;
import io.vmigrate.trust.DecryptionRefusedException;
import io.vmigrate.trust.MalformedBlobException;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.Suite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The zone's sealed store: its durable {@link ZoneState} (the vTCM store of sealed VM keys among it),
 * kept in a {@link ZoneJournal}, and those VM keys unsealed in memory. Changed only by {@link #commit},
 * which makes a transition's operations durable before they are applied. Not thread-safe:
 * {@link SecureZone} serves one request at a time.
 *
 * <p>Every commit also forgets, as operations of its frame (so the replayed state equals the live one),
 * the replay entries whose command expired more than the skew plus {@link #REPLY_RETENTION_MARGIN} ago and
 * the per-migration facts whose command expired more than the skew plus {@link #RETENTION_MARGIN} ago. That
 * is safe: the envelope opener refuses a command once its expiry plus the skew is past, and the gate refuses
 * every command that expired before the replies forgotten so far ({@link ZoneState#repliesForgottenBeforeMillis},
 * durable), both before the replay cache is asked, so a forgotten command that comes again is refused, never
 * carried out twice, even under a clock stepped back; and a fact serves only the later steps of its own
 * migration, which the center finishes or aborts within its deadline ({@code vmigrate.migration.max.deadline.ms},
 * one hour by default), far inside its retention. So the state is bounded by minutes of replies and a day of
 * (small) facts, not by the host's history.
 */
final class ZoneStore implements AutoCloseable {

    /** Facts outlive their command's expiry (plus skew) by this much: well past any migration's deadline. */
    static final Duration RETENTION_MARGIN = Duration.ofDays(1);
    /**
     * Replay entries (the large part of the state: each holds a signed reply) are kept this much past their
     * command's expiry plus skew, far less than the facts: a command whose entry may be forgotten is refused
     * by the watermark {@link ZoneState#repliesForgottenBeforeMillis} whatever the clock says, so no margin
     * against a clock stepped back is needed for them; this one only keeps a reply for a late redelivery.
     */
    static final Duration REPLY_RETENTION_MARGIN = Duration.ofMinutes(5);
    /** Below this size the journal is never compacted for size: rewriting a small file gains nothing. */
    static final long DEFAULT_COMPACTION_FLOOR_BYTES = 1 << 20;

    private static final Logger LOG = LoggerFactory.getLogger(ZoneStore.class);

    private final String hostId;
    private final Clock clock;
    private final long retentionMillis;
    private final long replyRetentionMillis;
    private final ZoneJournal journal;
    private final VmKeyFiles keyFiles;
    /** Unsealed VM keys, by VM id; destroyed (zeroized) when removed from the vTCM store. */
    private final Map<String, PrivateKeyHandle> vmKeys = new HashMap<>();
    private final ZoneState state;

    private ZoneStore(String hostId, Clock clock, Duration skew, ZoneJournal journal, VmKeyFiles keyFiles,
            ZoneState state) {
        this.hostId = hostId;
        this.clock = clock;
        this.retentionMillis = skew.plus(RETENTION_MARGIN).toMillis();
        this.replyRetentionMillis = skew.plus(REPLY_RETENTION_MARGIN).toMillis();
        this.journal = journal;
        this.keyFiles = keyFiles;
        this.state = state;
    }

    static ZoneStore open(String hostId, Suite suite, Path stateDir, Aead vtcmSealing, Aead stateSealing,
            boolean firstStart, Clock clock, Duration skew) throws IOException {
        return open(hostId, suite, stateDir, vtcmSealing, stateSealing, firstStart, clock, skew,
                DEFAULT_COMPACTION_FLOOR_BYTES);
    }

    /**
     * Reads the journal of {@code stateDir} (creating one on first start, or from the old snapshot file) and
     * unseals its VM keys. {@code firstStart} is true only when the zone's state-sealing key was just created:
     * then a missing (or version-1) state is expected; otherwise a missing state means someone deleted it,
     * and the zone refuses to start empty (it would forget destroyed keys, its pins and its replay cache).
     */
    static ZoneStore open(String hostId, Suite suite, Path stateDir, Aead vtcmSealing, Aead stateSealing,
            boolean firstStart, Clock clock, Duration skew, long compactionFloorBytes) throws IOException {
        VmKeyFiles keyFiles = VmKeyFiles.opened(stateDir);
        Optional<ZoneJournal.Opened> opened = ZoneJournal.open(stateDir, suite, hostId, stateSealing, compactionFloorBytes);
        ZoneState state;
        if (opened.isPresent()) {
            state = opened.get().state();
        } else {
            Optional<ZoneState> old = ZoneStateFile.read(stateDir, suite, hostId, stateSealing, firstStart, clock.millis());
            if (old.isEmpty() && !firstStart) {
                throw new ZoneStateMissingException("secure zone state " + ZoneJournal.file(stateDir) + " is missing next "
                        + "to the zone's existing sealed keys; refusing to start empty. Restore it from the zone's own "
                        + "backup, or retire and re-enroll the host with a fresh state directory.");
            }
            state = old.orElseGet(ZoneState::new);
        }
        // State written before the key files existed carries the sealed keys itself: each goes to its file
        // first (durable), then a compaction leaves a journal without them.
        boolean carriedSealedKeys = false;
        for (InstalledVmKey installed : state.installedKeys()) {
            if (installed.sealedPrivateKey().length > 0) {
                keyFiles.write(installed);
                carriedSealedKeys = true;
            }
        }
        ZoneJournal journal = opened.isPresent() ? opened.get().journal()
                // Durable before anything is served, and before the old file goes.
                : ZoneJournal.create(stateDir, suite, hostId, stateSealing, compactionFloorBytes, state);
        ZoneStore store = new ZoneStore(hostId, clock, skew, journal, keyFiles, state);
        try {
            // Left over when an upgrade was interrupted after its journal was written: the journal holds all of it.
            Path oldFile = ZoneStateFile.file(stateDir);
            if (Files.deleteIfExists(oldFile)) {
                AtomicFiles.syncDirectory(stateDir);
                LOG.info("host {}: the zone state moved from {} to the journal {}", hostId, oldFile, journal.path());
            }
            Set<String> installedFiles = new HashSet<>();
            for (InstalledVmKey installed : List.copyOf(state.installedKeys())) {
                state.putInstalled(keyFiles.withSealedBytes(installed));
                installedFiles.add(VmKeyFiles.name(installed.vmId(), installed.epoch()));
            }
            // Files of keys a crash left between their file and their frame (never installed) or between the
            // frame that destroyed them and their removal.
            keyFiles.keepOnly(installedFiles);
            store.unsealVmKeys(vtcmSealing, suite);
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
        if (carriedSealedKeys || journal.worthCompacting()) {
            store.compactOrCarryOn();
        }
        return store;
    }

    private void unsealVmKeys(Aead vtcmSealing, Suite suite) throws IOException {
        for (InstalledVmKey installed : state.installedKeys()) {
            try {
                vmKeys.put(installed.vmId(), VtcmStore.unseal(vtcmSealing, suite, installed));
            } catch (MalformedBlobException | DecryptionRefusedException e) {
                throw new IOException("cannot unseal the VM key of " + installed.vmId() + " epoch " + installed.epoch(), e);
            }
        }
    }

    /** The current state, to read; it changes only through {@link #commit}. */
    ZoneState current() {
        return state;
    }

    /** How many frames the journal holds (1 right after a compaction), for tests and logs. */
    long journalFrames() {
        return journal.frames();
    }

    /** A transition from the current state; nothing changes until it is committed. */
    Transition begin() {
        return new Transition(state);
    }

    /**
     * Makes the transition durable (one journal frame), then applies it; on failure nothing changes (and
     * nothing is acknowledged). Forgets what expired more than the retention ago in the same frame.
     */
    void commit(Transition tx) throws IOException {
        long now = clock.millis();
        long forgetRepliesBefore = now - replyRetentionMillis;
        if (state.hasRepliesExpiredBefore(forgetRepliesBefore)) {
            tx.add(new ZoneOp.ForgetExpiredReplies(forgetRepliesBefore));
        }
        long forgetBefore = now - retentionMillis;
        if (state.hasExpiredBefore(forgetBefore)) {
            tx.add(new ZoneOp.ForgetExpired(forgetBefore));
        }
        List<InstalledVmKey> installing = new ArrayList<>();
        List<InstalledVmKey> retiring = new ArrayList<>();
        for (ZoneOp op : tx.ops()) {
            if (op instanceof ZoneOp.PutInstalledKey put) {
                installing.add(put.key());
                state.installedKey(put.key().vmId()).ifPresent(retiring::add);
            } else if (op instanceof ZoneOp.RemoveInstalledKey remove) {
                state.installedKey(remove.vmId()).ifPresent(retiring::add);
            }
        }
        try {
            for (InstalledVmKey key : installing) {
                keyFiles.write(key); // durable before the frame that installs it
            }
            if (!tx.isEmpty()) {
                journal.append(tx.ops());
            }
        } catch (IOException | RuntimeException e) {
            tx.installs().values().forEach(PrivateKeyHandle::destroy);
            // A file already written names a key no frame installs: removed when the zone next opens.
            throw e;
        }
        tx.ops().forEach(op -> op.applyTo(state));
        for (String vmId : tx.destroyed()) {
            PrivateKeyHandle removed = vmKeys.remove(vmId);
            if (removed != null) {
                removed.destroy();
                LOG.info("host {}: destroyed VM key {} of VM {}", hostId, removed.keyId(), vmId);
            }
        }
        tx.installs().forEach((vmId, key) -> {
            PrivateKeyHandle replaced = vmKeys.put(vmId, key);
            if (replaced != null) {
                replaced.destroy();
            }
        });
        // A retired key's sealed bytes leave the disk with its file, once the frame that retires it is durable.
        for (InstalledVmKey retired : retiring) {
            try {
                keyFiles.destroy(retired.vmId(), retired.epoch());
            } catch (IOException e) {
                LOG.warn("host {}: removing the sealed key file of VM {} epoch {} failed ({}); it is removed when the "
                        + "zone next opens", hostId, retired.vmId(), retired.epoch(), e.toString());
            }
        }
        if (journal.worthCompacting()) {
            compactOrCarryOn();
        }
    }

    /** Compaction is housekeeping after a durable commit: if it fails, the old journal is whole and appends go on. */
    private void compactOrCarryOn() {
        try {
            journal.compact(state);
        } catch (IOException | RuntimeException e) {
            LOG.warn("host {}: compacting the zone journal failed, appending to the old one: {}", hostId, e.toString());
        }
    }

    /** Destroys the unsealed VM keys; the sealed ones stay on disk. */
    @Override
    public void close() {
        vmKeys.values().forEach(PrivateKeyHandle::destroy);
        vmKeys.clear();
        journal.close();
    }
}
