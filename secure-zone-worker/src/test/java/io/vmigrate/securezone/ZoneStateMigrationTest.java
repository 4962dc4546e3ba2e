package io.vmigrate.securezone;

import static io.vmigrate.securezone.JournalStores.encoded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmigrate.securezone.JournalStores.VmKey;
import io.vmigrate.securezone.ZoneState.Fact;
import io.vmigrate.securezone.ZoneState.MigrationVm;
import io.vmigrate.securezone.ZoneState.Pins;
import io.vmigrate.trust.Aead;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.Suite;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A state dir of the snapshot-file era ({@code zone-state.bin}, version 3) is moved into the journal once:
 * read, written as the journal's snapshot, then deleted. The old layout is restated here on purpose, since
 * the zone no longer writes it.
 */
class ZoneStateMigrationTest {

    private static final long NO_SIZE_COMPACTION = 1L << 40;

    @TempDir
    Path dir;

    @Test
    void anOldStateFileIsMovedIntoTheJournalAndItsFactsGetTheRetentionFromNow() throws Exception {
        var stores = new JournalStores(dir, Suite.INTL, NO_SIZE_COMPACTION);
        Pins pins = stores.pins();
        VmKey vm1 = stores.vmKey("vm1", 2, "m1");
        long replyExpiry = stores.now() + 60_000;
        Files.write(ZoneStateFile.file(dir), oldStateFile(stores, pins, vm1.sealed(), replyExpiry));
        vm1.unsealed().destroy();

        byte[] live;
        try (ZoneStore store = stores.reopen()) {
            ZoneState state = store.current();
            assertThat(state.pins()).contains(pins);
            assertThat(state.installedKey("vm1").orElseThrow().keyFingerprint()).isEqualTo(vm1.sealed().keyFingerprint());
            assertThat(state.replayEntry("cmd-1").orElseThrow().expiresAtMillis()).isEqualTo(replyExpiry);
            assertThat(state.has(Fact.MIGRATE_OUT_VERIFIED, new MigrationVm("m1", "vm1"))).isTrue();
            assertThat(state.has(Fact.ATTESTATION_CHECKED, new MigrationVm("m1", "vm1"))).isTrue();
            assertThat(state.keyInstalled("m1").orElseThrow().epoch()).isEqualTo(2);
            live = encoded(state);
        }
        assertThat(ZoneStateFile.file(dir)).doesNotExist();
        assertThat(stores.journal()).exists();
        try (ZoneStore reopened = stores.reopen()) {
            assertThat(encoded(reopened.current())).isEqualTo(live);

            // The old file's facts had no expiry: taken to expire at the upgrade, so forgotten one retention later.
            stores.clock.advance(JournalStores.RETENTION.plus(Duration.ofMillis(1)));
            Transition tx = reopened.begin();
            tx.remember(new ZoneState.ReplayEntry("cmd-2", stores.now() + 60_000, null));
            reopened.commit(tx);
            assertThat(reopened.current().has(Fact.MIGRATE_OUT_VERIFIED, new MigrationVm("m1", "vm1"))).isFalse();
            assertThat(reopened.current().keyInstalled("m1")).isEmpty();
            assertThat(reopened.current().installedKey("vm1")).isPresent();
        }
    }

    @Test
    void anUpgradeInterruptedBeforeTheOldFileWasDeletedKeepsTheJournal() throws Exception {
        var stores = new JournalStores(dir, Suite.INTL, NO_SIZE_COMPACTION);
        Pins pins = stores.pins();
        VmKey vm1 = stores.vmKey("vm1", 2, "m1");
        byte[] old = oldStateFile(stores, pins, vm1.sealed(), stores.now() + 60_000);
        Files.write(ZoneStateFile.file(dir), old);
        byte[] live;
        try (ZoneStore store = stores.reopen()) {
            Transition tx = store.begin();
            tx.destroyKey("vm1");
            store.commit(tx);
            live = encoded(store.current());
        }
        Files.write(ZoneStateFile.file(dir), old); // as if the delete had not reached the disk
        try (ZoneStore reopened = stores.reopen()) {
            assertThat(encoded(reopened.current())).isEqualTo(live);
            assertThat(reopened.current().installedKey("vm1")).isEmpty();
        }
        assertThat(ZoneStateFile.file(dir)).doesNotExist();
        vm1.unsealed().destroy();
    }

    @Test
    void anAlteredOldStateFileIsRefusedAndLeftInPlace() throws Exception {
        var stores = new JournalStores(dir, Suite.INTL, NO_SIZE_COMPACTION);
        VmKey vm1 = stores.vmKey("vm1", 2, "m1");
        byte[] old = oldStateFile(stores, stores.pins(), vm1.sealed(), stores.now() + 60_000);
        old[old.length - 1] ^= 0x01;
        Files.write(ZoneStateFile.file(dir), old);
        assertThatThrownBy(stores::reopen).isInstanceOf(IOException.class)
                .hasMessageContaining("does not open under this zone's state-sealing key");
        assertThat(ZoneStateFile.file(dir)).exists();
        assertThat(stores.journal()).doesNotExist();
        vm1.unsealed().destroy();
    }

    /** Version 3 of zone-state.bin: clear header, then the sealed sections (facts without expiry). */
    private static byte[] oldStateFile(JournalStores stores, Pins pins, InstalledVmKey key, long replyExpiry)
            throws IOException {
        var header = new ByteArrayOutputStream();
        try (var out = new DataOutputStream(header)) {
            out.writeInt(0x565A5331);
            out.writeInt(3);
            out.writeUTF(stores.suite.name());
            text(out, JournalStores.HOST);
        }
        var body = new ByteArrayOutputStream();
        try (var out = new DataOutputStream(body)) {
            out.writeBoolean(true);
            publicKey(out, pins.agentKey());
            out.writeInt(pins.centerKeys().size());
            for (PublicKeyHandle center : pins.centerKeys()) {
                publicKey(out, center);
            }
            out.writeInt(1);
            text(out, key.vmId());
            out.writeLong(key.epoch());
            text(out, key.keyFingerprint());
            text(out, key.migrationId());
            blob(out, key.sealedPrivateKey());
            out.writeInt(1);
            text(out, "cmd-1");
            out.writeLong(replyExpiry);
            out.writeBoolean(true);
            blob(out, new byte[] {7, 7, 7});
            out.writeInt(1); // verified MIGRATE_OUT
            text(out, "m1");
            text(out, "vm1");
            out.writeInt(0); // verified CREATE_TARGET_VM
            out.writeInt(1); // attestation checked
            text(out, "m1");
            text(out, "vm1");
            out.writeInt(1); // key installed by migration
            text(out, "m1");
            text(out, "vm1");
            text(out, key.keyFingerprint());
            out.writeLong(key.epoch());
            out.writeInt(0); // rotations
        }
        byte[] clear = header.toByteArray();
        Aead sealing = stores.stateSealing;
        byte[] context = "vmigrate zone state v2".getBytes(StandardCharsets.UTF_8);
        byte[] associated = new byte[context.length + clear.length];
        System.arraycopy(context, 0, associated, 0, context.length);
        System.arraycopy(clear, 0, associated, context.length, clear.length);
        byte[] sealed = sealing.encrypt(body.toByteArray(), associated).toBytes();
        byte[] file = new byte[clear.length + sealed.length];
        System.arraycopy(clear, 0, file, 0, clear.length);
        System.arraycopy(sealed, 0, file, clear.length, sealed.length);
        return file;
    }

    private static void publicKey(DataOutputStream out, PublicKeyHandle key) throws IOException {
        out.writeUTF(key.purpose().name());
        blob(out, key.encoded());
    }

    private static void text(DataOutputStream out, String value) throws IOException {
        blob(out, value.getBytes(StandardCharsets.UTF_8));
    }

    private static void blob(DataOutputStream out, byte[] value) throws IOException {
        out.writeInt(value.length);
        out.write(value);
    }
}
