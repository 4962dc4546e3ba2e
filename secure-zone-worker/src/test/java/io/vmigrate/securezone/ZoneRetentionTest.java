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
 * The replay cache is forgotten once its command's expiry is more than skew plus minutes past, the
 * per-migration facts skew plus a day, durably: a restarted zone has forgotten them too, and refuses every
 * command whose reply it may have forgotten, even under a clock stepped back.
 */
class ZoneRetentionTest {

    private static final long NO_SIZE_COMPACTION = 1L << 40;
    private static final SingleObjectCodec<TargetVmCreated> TARGETS_CREATED = SingleObjectCodec.of(TargetVmCreated.class);

    @TempDir
    Path dir;

    @Test
    void repliesAreForgottenMinutesAndFactsADayAfterTheirExpiryAndStayForgottenAfterARestart() throws Exception {
        var stores = new JournalStores(dir, Suite.INTL, NO_SIZE_COMPACTION);
        long expiresAt = stores.now() + 60_000;
        long later = expiresAt + Duration.ofDays(2).toMillis();
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
            assertThat(store.current().repliesForgottenBeforeMillis()).isLessThan(expiresAt);

            // Exactly one reply retention after the expiry: the reply is still remembered.
            stores.clock.advance(Duration.ofMillis(expiresAt - stores.now()).plus(JournalStores.REPLY_RETENTION));
            store.commit(unrelated(store, stores, "cmd-2"));
            assertThat(store.current().replayEntry("cmd-1")).isPresent();

            stores.clock.advance(Duration.ofMillis(1));
            store.commit(unrelated(store, stores, "cmd-3"));
            assertThat(store.current().replayEntry("cmd-1")).isEmpty();
            // From now on a command that expired at or before then is refused whatever the clock says.
            assertThat(store.current().repliesForgottenBeforeMillis()).isEqualTo(expiresAt + 1);
            assertThat(store.current().has(Fact.CREATE_TARGET_VERIFIED, m1)).isTrue();

            // Exactly one (fact) retention after the expiry: the facts are still remembered, then forgotten.
            stores.clock.advance(Duration.ofMillis(expiresAt - stores.now()).plus(JournalStores.RETENTION));
            store.commit(unrelated(store, stores, "cmd-4"));
            assertThat(store.current().has(Fact.CREATE_TARGET_VERIFIED, m1)).isTrue();
            stores.clock.advance(Duration.ofMillis(1));
            store.commit(unrelated(store, stores, "cmd-5"));
            ZoneState state = store.current();
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
            assertThat(reopened.current().repliesForgottenBeforeMillis()).isEqualTo(expiresAt + 1);
        }
    }

    @Test
    void aCommandWhoseReplyWasForgottenIsRefusedEvenWhenTheClockIsSteppedBackIntoItsValidity() throws Exception {
        var clock = new ManualClock(Instant.now());
        try (var zone = ZoneFixture.provisioned(dir, Suite.GM, clock)) {
            var client = zone.client();
            byte[] createTarget = TestCenter.encode(zone.center.createTarget("m1", "vm1", ZoneFixture.HOST, 0));
            assertThat(client.openCommand(createTarget).getOutcome()).isEqualTo(SecureZoneOutcome.OK);

            // Past the command's ten-minute validity plus skew and the reply retention; the next command commits the
            // forgetting of its reply.
            Duration past = Duration.ofMinutes(11).plus(Duration.ofSeconds(30)).plus(ZoneStore.REPLY_RETENTION_MARGIN);
            clock.advance(past);
            assertThat(client.openCommand(createTargetValidNow(zone, clock, "m2")).getOutcome())
                    .isEqualTo(SecureZoneOutcome.OK);
            // The wall clock is stepped back into the first command's validity: without the watermark it would look
            // fresh, its reply is gone, and it would be carried out a second time.
            clock.advance(past.negated());
            assertRefused(client.openCommand(createTarget), RefusalReason.EXPIRED);

            zone.restart();
            try (var agent = zone.newClient(zone.agentKey)) {
                assertRefused(agent.openCommand(createTarget), RefusalReason.EXPIRED);
            }
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
