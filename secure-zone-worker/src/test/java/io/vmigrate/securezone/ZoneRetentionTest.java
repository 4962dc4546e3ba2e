package io.vmigrate.securezone;

import io.vmigrate.common.testing.ManualClock;
import static io.vmigrate.securezone.JournalStores.encoded;
import static io.vmigrate.securezone.SecureZoneSessionTest.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.command.CreateTargetVm;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.reply.TargetVmCreated;
import io.vmigrate.schema.securezone.SecureZoneOutcome;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.schema.testing.TestCenter;
import io.vmigrate.securezone.ZoneState.Fact;
import io.vmigrate.securezone.ZoneState.KeyInstalled;
import io.vmigrate.securezone.ZoneState.MigrationVm;
import io.vmigrate.securezone.ZoneState.ReplayEntry;
import io.vmigrate.trust.Suite;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replay cache and the per-migration facts are forgotten once their command's expiry is more than
 * the retention (skew plus a day) past, durably: a restarted zone has forgotten them too.
 */
class ZoneRetentionTest {

    private static final long NO_SIZE_COMPACTION = 1L << 40;
    private static final SingleObjectCodec<TargetVmCreated> TARGETS_CREATED = SingleObjectCodec.of(TargetVmCreated.class);

    @TempDir
    Path dir;

    @Test
    void entriesAndFactsAreForgottenOneRetentionAfterTheirExpiryAndStayForgottenAfterARestart() throws Exception {
        var stores = new JournalStores(dir, Suite.INTL, NO_SIZE_COMPACTION);
        long expiresAt = stores.now() + 60_000;
        long later = expiresAt + Duration.ofHours(2).toMillis();
        MigrationVm m1 = new MigrationVm("m1", "vm1");
        byte[] live;
        try (ZoneStore store = stores.open()) {
            Transition tx = store.begin();
            tx.remember(new ReplayEntry("cmd-1", expiresAt, new byte[] {1}));
            tx.addFact(Fact.CREATE_TARGET_VERIFIED, m1, expiresAt);
            tx.addFact(Fact.ATTESTATION_CHECKED, m1, expiresAt);
            tx.putKeyInstalled("m1", new KeyInstalled("vm1", "fingerprint", 1), expiresAt);
            tx.remember(new ReplayEntry("cmd-later", later, new byte[] {2}));
            tx.addFact(Fact.MIGRATE_OUT_VERIFIED, new MigrationVm("m2", "vm2"), later);
            store.commit(tx);

            // Exactly one retention after the expiry: still remembered.
            stores.clock.advance(Duration.ofMillis(expiresAt - stores.now()).plus(JournalStores.RETENTION));
            store.commit(unrelated(store, stores, "cmd-2"));
            assertThat(store.current().replayEntry("cmd-1")).isPresent();
            assertThat(store.current().has(Fact.CREATE_TARGET_VERIFIED, m1)).isTrue();

            stores.clock.advance(Duration.ofMillis(1));
            store.commit(unrelated(store, stores, "cmd-3"));
            ZoneState state = store.current();
            assertThat(state.replayEntry("cmd-1")).isEmpty();
            assertThat(state.has(Fact.CREATE_TARGET_VERIFIED, m1)).isFalse();
            assertThat(state.has(Fact.ATTESTATION_CHECKED, m1)).isFalse();
            assertThat(state.keyInstalled("m1")).isEmpty();
            assertThat(state.replayEntry("cmd-later")).isPresent();
            assertThat(state.has(Fact.MIGRATE_OUT_VERIFIED, new MigrationVm("m2", "vm2"))).isTrue();
            live = encoded(state);
        }
        try (ZoneStore reopened = stores.reopen()) {
            assertThat(encoded(reopened.current())).isEqualTo(live);
            assertThat(reopened.current().replayEntry("cmd-1")).isEmpty();
        }
    }

    @Test
    void aZoneForgetsAVerifiedCommandOnceItsRetentionPassedAndRefusesItAsExpired() throws Exception {
        var clock = new ManualClock(Instant.now());
        byte[] createTarget;
        byte[] created;
        try (var zone = ZoneFixture.provisioned(dir, Suite.INTL, clock)) {
            var client = zone.client();
            createTarget = TestCenter.encode(zone.center.createTarget("m1", "vm1", ZoneFixture.HOST, 0));
            assertThat(client.openCommand(createTarget).getOutcome()).isEqualTo(SecureZoneOutcome.OK);
            assertThat(client.openCommand(createTarget).getOutcome()).isEqualTo(SecureZoneOutcome.DUPLICATE);
            created = TARGETS_CREATED.encode(TargetVmCreated.newBuilder().setMigrationId("m1").setVmId("vm1")
                    .setHostId(ZoneFixture.HOST).setCreatedAt(Instant.now()).build());
            assertThat(client.signReply(MessageType.TARGET_VM_CREATED, created, 0).getOutcome())
                    .isEqualTo(SecureZoneOutcome.OK);

            // Past the command's ten-minute validity plus the retention; the next command commits the forgetting.
            clock.advance(Duration.ofMinutes(11).plus(Duration.ofSeconds(30)).plus(ZoneStore.RETENTION_MARGIN));
            assertThat(client.openCommand(createTargetValidNow(zone, clock, "m2")).getOutcome())
                    .isEqualTo(SecureZoneOutcome.OK);
            assertRefused(client.signReply(MessageType.TARGET_VM_CREATED, created, 0), RefusalReason.BINDING_MISMATCH);
            assertRefused(client.openCommand(createTarget), RefusalReason.EXPIRED);

            zone.restart();
            try (var agent = zone.newClient(zone.agentKey)) {
                assertRefused(agent.signReply(MessageType.TARGET_VM_CREATED, created, 0), RefusalReason.BINDING_MISMATCH);
                assertRefused(agent.openCommand(createTarget), RefusalReason.EXPIRED);
            }
        }
    }

    private static byte[] createTargetValidNow(ZoneFixture zone, ManualClock clock, String migrationId) {
        Instant now = clock.instant();
        CreateTargetVm body = CreateTargetVm.newBuilder().setMigrationId(migrationId).setVmId("vm2")
                .setSourceHostId("elsewhere").setDeadline(now.plusSeconds(600)).build();
        return TestCenter.encode(zone.center.sealValidBetween(migrationId, "vm2", ZoneFixture.HOST, 0, body, now,
                now.plusSeconds(600)));
    }

    private static Transition unrelated(ZoneStore store, JournalStores stores, String messageId) {
        Transition tx = store.begin();
        tx.remember(new ReplayEntry(messageId, stores.now() + 3_600_000_000L, null));
        return tx;
    }
}
