package io.vmigrate.securezone;

import static io.vmigrate.securezone.JournalStores.encoded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmigrate.securezone.JournalStores.VmKey;
import io.vmigrate.securezone.ZoneState.AcceptedRotation;
import io.vmigrate.securezone.ZoneState.Fact;
import io.vmigrate.securezone.ZoneState.KeyInstalled;
import io.vmigrate.securezone.ZoneState.MigrationVm;
import io.vmigrate.securezone.ZoneState.ReplayEntry;
import io.vmigrate.trust.Suite;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The journal on real files: it replays to the live state, a torn tail is cut, anything else that does
 * not authenticate in place (an altered, dropped, swapped or transplanted frame) stops the zone, and
 * compaction shrinks it without changing the state.
 */
class ZoneJournalTest {

    /** High enough that no test compacts by size unless it means to. */
    private static final long NO_SIZE_COMPACTION = 1L << 40;

    @TempDir
    Path dir;

    /** A store with a few transitions of every kind; returns the file size after creation and after each commit. */
    private static List<Long> someHistory(JournalStores stores, ZoneStore store) throws IOException {
        List<Long> boundaries = new ArrayList<>();
        boundaries.add(Files.size(stores.journal()));
        Transition pin = store.begin();
        pin.pin(stores.pins());
        commit(stores, store, pin, boundaries);

        VmKey vm1 = stores.vmKey("vm1", 1, "m1");
        Transition install = store.begin();
        install.installKey(vm1.sealed(), vm1.unsealed());
        install.putKeyInstalled("m1", new KeyInstalled("vm1", vm1.sealed().keyFingerprint(), 1), stores.now() + 60_000);
        install.remember(new ReplayEntry("cmd-1", stores.now() + 60_000, new byte[] {1, 2, 3}));
        commit(stores, store, install, boundaries);

        Transition facts = store.begin();
        facts.addFact(Fact.ATTESTATION_CHECKED, new MigrationVm("m1", "vm1"), stores.now() + 60_000);
        facts.addFact(Fact.MIGRATE_OUT_VERIFIED, new MigrationVm("m2", "vm2"), stores.now() + 60_000);
        facts.remember(new ReplayEntry("cmd-2", stores.now() + 60_000, null));
        commit(stores, store, facts, boundaries);

        Transition rotation = store.begin();
        rotation.addRotation(new AcceptedRotation(1, "old-key", stores.crypto.generateSigningKey().publicKey(),
                stores.now(), stores.now() + 3_600_000));
        rotation.removeFact(Fact.MIGRATE_OUT_VERIFIED, new MigrationVm("m2", "vm2"));
        commit(stores, store, rotation, boundaries);
        return boundaries;
    }

    private static void commit(JournalStores stores, ZoneStore store, Transition tx, List<Long> boundaries)
            throws IOException {
        store.commit(tx);
        boundaries.add(Files.size(stores.journal()));
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void aReopenedJournalHoldsTheLiveState(Suite suite) throws Exception {
        var stores = new JournalStores(dir, suite, NO_SIZE_COMPACTION);
        byte[] live;
        try (ZoneStore store = stores.open()) {
            someHistory(stores, store);
            live = encoded(store.current());
            assertThat(store.current().installedKey("vm1")).isPresent();
            assertThat(store.current().has(Fact.ATTESTATION_CHECKED, new MigrationVm("m1", "vm1"))).isTrue();
            assertThat(store.current().has(Fact.MIGRATE_OUT_VERIFIED, new MigrationVm("m2", "vm2"))).isFalse();
        }
        try (ZoneStore reopened = stores.reopen()) {
            assertThat(encoded(reopened.current())).isEqualTo(live);
            assertThat(reopened.current().rotations()).hasSize(1);
            assertThat(reopened.current().replayEntry("cmd-1").orElseThrow().signedReply()).containsExactly(1, 2, 3);
        }
        assertThat(ZoneJournal.readAny(dir, stores.stateSealing).installedKeys()).hasSize(1);
        assertThat(ZoneJournal.suiteOf(dir)).isEqualTo(suite);
    }

    @Test
    void aTransitionSeesItsOwnChangesAndChangesNothingUntilCommitted() throws Exception {
        var stores = new JournalStores(dir, Suite.INTL, NO_SIZE_COMPACTION);
        try (ZoneStore store = stores.open()) {
            byte[] before = encoded(store.current());
            VmKey vm1 = stores.vmKey("vm1", 1, "m1");
            Transition tx = store.begin();
            tx.installKey(vm1.sealed(), vm1.unsealed());
            tx.addFact(Fact.CREATE_TARGET_VERIFIED, new MigrationVm("m1", "vm1"), stores.now() + 60_000);
            assertThat(tx.installedKey("vm1")).isPresent();
            assertThat(tx.has(Fact.CREATE_TARGET_VERIFIED, new MigrationVm("m1", "vm1"))).isTrue();
            assertThat(store.current().installedKey("vm1")).isEmpty();
            assertThat(encoded(store.current())).isEqualTo(before);
            tx.destroyKey("vm1");
            assertThat(tx.installedKey("vm1")).isEmpty();
        }
    }

    @Test
    void aFailedCommitChangesNothingAndDestroysTheKeysItWouldHaveHeld() throws Exception {
        var stores = new JournalStores(dir, Suite.INTL, NO_SIZE_COMPACTION);
        ZoneStore store = stores.open();
        byte[] before = encoded(store.current());
        long sizeBefore = Files.size(stores.journal());
        VmKey vm1 = stores.vmKey("vm1", 1, "m1");
        Transition tx = store.begin();
        tx.installKey(vm1.sealed(), vm1.unsealed());
        store.close(); // the journal's channel is closed: the append fails for real
        assertThatThrownBy(() -> store.commit(tx)).isInstanceOf(IOException.class);
        assertThat(encoded(store.current())).isEqualTo(before);
        assertThat(vm1.unsealed().isDestroyed()).isTrue();
        assertThat(Files.size(stores.journal())).isEqualTo(sizeBefore);
    }

    @Test
    void aTornTailIsCutAtEveryOffsetInsideTheLastFrame() throws Exception {
        var stores = new JournalStores(dir, Suite.INTL, NO_SIZE_COMPACTION);
        List<Long> boundaries;
        try (ZoneStore store = stores.open()) {
            boundaries = someHistory(stores, store);
        }
        // The state before the last frame: replay a copy cut at the last boundary.
        byte[] whole = Files.readAllBytes(stores.journal());
        long lastStart = boundaries.get(boundaries.size() - 2);
        Files.write(stores.journal(), Arrays.copyOf(whole, (int) lastStart));
        byte[] previous;
        try (ZoneStore cut = stores.reopen()) {
            previous = encoded(cut.current());
        }
        for (int end = (int) lastStart + 1; end < whole.length; end++) {
            Files.write(stores.journal(), Arrays.copyOf(whole, end));
            try (ZoneStore reopened = stores.reopen()) {
                assertThat(encoded(reopened.current())).as("cut at %d", end).isEqualTo(previous);
            }
            assertThat(Files.size(stores.journal())).as("cut at %d", end).isEqualTo(lastStart);
        }
        Files.write(stores.journal(), whole);
        try (ZoneStore reopened = stores.reopen()) {
            assertThat(encoded(reopened.current())).isNotEqualTo(previous);
        }
    }

    @Test
    void aFlippedBitAnywhereIsRefused() throws Exception {
        var stores = new JournalStores(dir, Suite.INTL, NO_SIZE_COMPACTION);
        try (ZoneStore store = stores.open()) {
            someHistory(stores, store);
        }
        byte[] whole = Files.readAllBytes(stores.journal());
        for (int at = 0; at < whole.length; at++) {
            byte[] altered = whole.clone();
            altered[at] ^= 0x01;
            Files.write(stores.journal(), altered);
            assertThatThrownBy(stores::reopen).as("bit flipped at %d of %d", at, whole.length)
                    .isInstanceOf(IOException.class).hasMessageContaining("zone journal");
        }
        Files.write(stores.journal(), whole);
        stores.reopen().close();
    }

    @Test
    void aDroppedMiddleFrameOrSwappedFramesAreRefused() throws Exception {
        var stores = new JournalStores(dir, Suite.INTL, NO_SIZE_COMPACTION);
        List<Long> boundaries;
        try (ZoneStore store = stores.open()) {
            boundaries = someHistory(stores, store);
        }
        byte[] whole = Files.readAllBytes(stores.journal());
        // boundaries: [end of snapshot frame, end of frame 1, ..., end of frame 4]
        for (int frame = 1; frame < boundaries.size() - 1; frame++) {
            Files.write(stores.journal(), concat(slice(whole, 0, boundaries.get(frame - 1)),
                    slice(whole, boundaries.get(frame), whole.length)));
            assertThatThrownBy(stores::reopen).as("frame %d dropped", frame).isInstanceOf(IOException.class)
                    .hasMessageContaining("does not open");
        }
        Files.write(stores.journal(), concat(slice(whole, 0, boundaries.get(1)), slice(whole, boundaries.get(2),
                boundaries.get(3)), slice(whole, boundaries.get(1), boundaries.get(2)), slice(whole, boundaries.get(3),
                whole.length)));
        assertThatThrownBy(stores::reopen).isInstanceOf(IOException.class).hasMessageContaining("does not open");
    }

    @Test
    void anotherHostsJournalOrAFrameOfAnotherJournalIsRefused() throws Exception {
        var stores = new JournalStores(dir.resolve("mine"), Suite.INTL, NO_SIZE_COMPACTION);
        List<Long> mine;
        try (ZoneStore store = stores.open()) {
            mine = someHistory(stores, store);
        }
        byte[] myJournal = Files.readAllBytes(stores.journal());

        // The same zone's keys, another journal (as after a compaction): its frames do not open in mine.
        List<Long> theirs;
        Files.delete(stores.journal());
        try (ZoneStore store = stores.firstStart()) {
            theirs = someHistory(stores, store);
        }
        byte[] otherJournal = Files.readAllBytes(stores.journal());
        Files.write(stores.journal(), concat(slice(myJournal, 0, mine.get(1)), slice(otherJournal, theirs.get(1),
                theirs.get(2)), slice(myJournal, mine.get(2), myJournal.length)));
        assertThatThrownBy(stores::reopen).isInstanceOf(IOException.class).hasMessageContaining("does not open");

        // Another host's journal, sealed with the same key even: refused by its header.
        Files.write(stores.journal(), myJournal);
        var otherHost = new JournalStores(dir.resolve("host-b"), Suite.INTL, NO_SIZE_COMPACTION);
        try (ZoneStore store = otherHost.open("host-b")) {
            someHistory(otherHost, store);
        }
        Files.copy(otherHost.journal(), stores.journal(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(stores::reopen).isInstanceOf(IOException.class).hasMessageContaining("belongs to host host-b");
    }

    @Test
    void compactionShrinksTheJournalAndKeepsTheState() throws Exception {
        long floor = 8 << 10;
        var stores = new JournalStores(dir, Suite.INTL, floor);
        byte[] live;
        long largest = 0;
        boolean shrank = false;
        try (ZoneStore store = stores.open()) {
            Transition pin = store.begin();
            pin.pin(stores.pins());
            store.commit(pin);
            long previous = Files.size(stores.journal());
            for (int i = 0; i < 200; i++) {
                Transition tx = store.begin();
                // Three live entries rewritten over and over: the journal grows, the state does not.
                tx.remember(new ReplayEntry("cmd-" + (i % 3), stores.now() + 60_000 + i, new byte[1024]));
                store.commit(tx);
                long size = Files.size(stores.journal());
                shrank |= size < previous;
                largest = Math.max(largest, size);
                previous = size;
            }
            live = encoded(store.current());
            assertThat(store.current().replayEntries()).isEqualTo(3);
        }
        assertThat(shrank).isTrue();
        assertThat(largest).isLessThanOrEqualTo(floor + 2 * 1100);
        try (ZoneStore reopened = stores.reopen()) {
            assertThat(encoded(reopened.current())).isEqualTo(live);
        }
    }

    @Test
    void aLeftoverCompactionIsDiscardedOnOpen() throws Exception {
        var stores = new JournalStores(dir, Suite.INTL, NO_SIZE_COMPACTION);
        byte[] live;
        try (ZoneStore store = stores.open()) {
            someHistory(stores, store);
            live = encoded(store.current());
        }
        Path leftover = dir.resolve(ZoneJournal.FILE_NAME + ZoneJournal.COMPACTION_SUFFIX);
        Files.write(leftover, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        try (ZoneStore reopened = stores.reopen()) {
            assertThat(encoded(reopened.current())).isEqualTo(live);
        }
        assertThat(leftover).doesNotExist();
    }

    @Test
    void aKeysSealedBytesLiveInItsOwnFileAndLeaveTheDiskWithTheCommitThatDestroysItWithoutACompaction() throws Exception {
        var stores = new JournalStores(dir, Suite.INTL, NO_SIZE_COMPACTION);
        Path keyFile = dir.resolve(VmKeyFiles.DIRECTORY).resolve(VmKeyFiles.name("vm1", 1));
        try (ZoneStore store = stores.open()) {
            someHistory(stores, store);
            byte[] sealed = store.current().installedKey("vm1").orElseThrow().sealedPrivateKey();
            assertThat(keyFile).hasBinaryContent(sealed);
            // The journal names the key but never carried its sealed bytes, not even in the frame that installed it.
            assertThat(ZoneJournal.readAny(dir, stores.stateSealing).installedKey("vm1").orElseThrow().sealedPrivateKey())
                    .isEmpty();
            Transition destroy = store.begin();
            destroy.destroyKey("vm1");
            store.commit(destroy);
            assertThat(keyFile).doesNotExist();
            // Appended, not compacted: destroying a key costs one frame and one small file, whatever the zone remembers.
            assertThat(store.journalFrames()).isEqualTo(6);
            assertThat(store.current().installedKey("vm1")).isEmpty();
        }
        assertThat(ZoneJournal.readAny(dir, stores.stateSealing).installedKeys()).isEmpty();
        assertThat(dir.resolve(VmKeyFiles.DIRECTORY)).isEmptyDirectory();
    }

    @Test
    void aKeyFileNoInstalledKeyNamesIsRemovedOnOpenAndAMissingOneIsRefused() throws Exception {
        var stores = new JournalStores(dir, Suite.GM, NO_SIZE_COMPACTION);
        try (ZoneStore store = stores.open()) {
            someHistory(stores, store);
        }
        // As a crash leaves it between a key's file and the frame that would have installed it.
        Path orphan = dir.resolve(VmKeyFiles.DIRECTORY).resolve(VmKeyFiles.name("vm9", 3));
        Files.write(orphan, new byte[] {7, 7, 7});
        try (ZoneStore reopened = stores.reopen()) {
            assertThat(reopened.current().installedKey("vm1")).isPresent();
        }
        assertThat(orphan).doesNotExist();
        Files.delete(dir.resolve(VmKeyFiles.DIRECTORY).resolve(VmKeyFiles.name("vm1", 1)));
        assertThatThrownBy(stores::reopen).isInstanceOf(IOException.class)
                .hasMessageContaining("sealed VM key of vm1 epoch 1 is missing");
    }

    @Test
    void aCompactionFailingBeforeItsRenameLeavesTheOldJournalInUse() throws Exception {
        var stores = new JournalStores(dir, Suite.INTL, NO_SIZE_COMPACTION);
        Path blocker = dir.resolve(ZoneJournal.FILE_NAME + ZoneJournal.COMPACTION_SUFFIX);
        byte[] live;
        try (ZoneStore store = stores.open()) {
            someHistory(stores, store);
            // A non-empty directory where the compaction file goes: the compaction fails before its rename.
            Files.createDirectories(blocker);
            Files.write(blocker.resolve("in-the-way"), new byte[] {1});
            long before = Files.size(stores.journal());
            Transition destroy = store.begin();
            destroy.destroyKey("vm1");
            store.commit(destroy);
            assertThat(Files.size(stores.journal())).isGreaterThan(before);
            assertThat(store.journalFrames()).isEqualTo(6);
            Transition more = store.begin();
            more.remember(new ReplayEntry("cmd-3", stores.now() + 60_000, new byte[] {9}));
            store.commit(more);
            live = encoded(store.current());
        }
        Files.delete(blocker.resolve("in-the-way"));
        Files.delete(blocker);
        try (ZoneStore reopened = stores.reopen()) {
            assertThat(encoded(reopened.current())).isEqualTo(live);
            assertThat(reopened.current().installedKey("vm1")).isEmpty();
        }
    }

    @Test
    void aMissingJournalNextToExistingKeysIsRefused() throws Exception {
        var stores = new JournalStores(dir, Suite.INTL, NO_SIZE_COMPACTION);
        stores.open().close();
        Files.delete(stores.journal());
        assertThatThrownBy(stores::reopen).isInstanceOf(ZoneStateMissingException.class)
                .hasMessageContaining("refusing to start empty");
    }

    private static byte[] slice(byte[] bytes, long from, long to) {
        return Arrays.copyOfRange(bytes, (int) from, (int) to);
    }

    private static byte[] concat(byte[]... parts) {
        ByteBuffer all = ByteBuffer.allocate(Arrays.stream(parts).mapToInt(part -> part.length).sum());
        for (byte[] part : parts) {
            all.put(part);
        }
        return all.array();
    }
}
