package io.vmigrate.center.workflow;

import static io.vmigrate.schema.common.MigrationStep.ABORTED;
import static io.vmigrate.schema.common.MigrationStep.ABORTING;
import static io.vmigrate.schema.common.MigrationStep.COMMANDED;
import static io.vmigrate.schema.common.MigrationStep.COMMITTED;
import static io.vmigrate.schema.common.MigrationStep.DEREGISTER_SENT;
import static io.vmigrate.schema.common.MigrationStep.DONE;
import static io.vmigrate.schema.common.MigrationStep.KEY_DELIVERED;
import static io.vmigrate.schema.common.MigrationStep.KEY_INSTALLED;
import static io.vmigrate.schema.common.MigrationStep.REQUESTED;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.center.MigrationState;
import io.vmigrate.schema.command.AbortMigration;
import io.vmigrate.schema.command.DeliverVmKey;
import io.vmigrate.schema.command.DeregisterVm;
import io.vmigrate.schema.common.HostRole;
import io.vmigrate.schema.common.RefusalReason;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The wall clock (deadline, deregister retry, late enrollment) and a VM's registration. */
class ClockAndRegistrationTransitionsTest {

    @Test
    void aMigrationNotCommittedByItsDeadlineIsAbortedToBothHostsAndTheBindingStays() {
        FakeCenter center = new FakeCenter("h1", "h2");
        center.registered("vm1", "h1");
        center.request("m1", "vm1", "h1", "h2");

        assertThat(center.tick(FakeCenter.DEADLINE)).as("not after the deadline yet").isEmpty();
        List<Outcome> due = center.tick(Duration.ofSeconds(1));

        assertThat(due).singleElement().satisfies(outcome -> {
            assertThat(outcome.next().getStep()).isEqualTo(ABORTED);
            assertThat(outcome.next().getOutcomeReason()).isEqualTo(RefusalReason.DEADLINE_PASSED);
            assertThat(outcome.effects(Effect.SendCommand.class)).extracting(c -> ((AbortMigration) c.body()).getReason())
                    .containsExactly(RefusalReason.DEADLINE_PASSED, RefusalReason.DEADLINE_PASSED);
        });
        assertThat(center.steps("m1")).containsExactly(REQUESTED, COMMANDED, ABORTING, ABORTED);
        assertThat(center.bindings.get("vm1").getBinding().getHostId()).isEqualTo("h1");
        List<Outcome> retried = center.tick(FakeCenter.DEREGISTER_RETRY);
        assertThat(retried).as("the abort is re-sent until acknowledged").singleElement()
                .satisfies(outcome -> assertThat(outcome.effects(Effect.SendCommand.class)).extracting(Effect.SendCommand::hostId)
                        .containsExactly("h1", "h2"));
        center.reply("h1", "m1", "vm1", Replies.abortAcknowledged("m1", "vm1", "h1", HostRole.SOURCE));
        center.reply("h2", "m1", "vm1", Replies.abortAcknowledged("m1", "vm1", "h2", HostRole.DESTINATION));
        assertThat(center.tick(FakeCenter.DEADLINE)).as("nothing once both hosts acknowledged").isEmpty();
    }

    @Test
    void aCompletionThatArrivesAfterTheDeadlineBeforeTheTickAbortsInsteadOfCommitting() {
        FakeCenter center = new FakeCenter("h1", "h2");
        center.registered("vm1", "h1");
        center.request("m1", "vm1", "h1", "h2");
        center.reply("h2", "m1", "vm1", Replies.targetCreated("m1", "vm1", "h2"));
        String fingerprint = center.lastKeyDelivered("h2");
        center.reply("h2", "m1", "vm1", Replies.keyInstalled("m1", "vm1", "h2", fingerprint, 1));
        center.reply("h1", "m1", "vm1", Replies.attestation("m1", "vm1", "h1"));
        center.now = center.now.plus(FakeCenter.DEADLINE).plusSeconds(1);

        Outcome late = center.reply("h2", "m1", "vm1", Replies.completed("m1", "vm1", "h2", fingerprint, 1));

        assertThat(late.next().getStep()).isEqualTo(ABORTED);
        assertThat(late.next().getOutcomeReason()).isEqualTo(RefusalReason.DEADLINE_PASSED);
        assertThat(center.steps("m1")).doesNotContain(COMMITTED).endsWith(ABORTING, ABORTED);
        assertThat(center.bindings.get("vm1").getBinding().getHostId()).isEqualTo("h1");
        assertThat(center.sent("h1", DeregisterVm.class)).isEmpty();
    }

    @Test
    void anAbortAwaitedFromARetiredHostIsGivenUp() {
        FakeCenter center = new FakeCenter("h1", "h2");
        center.registered("vm1", "h1");
        center.request("m1", "vm1", "h1", "h2");
        center.tick(FakeCenter.DEADLINE.plusSeconds(1));
        center.reply("h1", "m1", "vm1", Replies.abortAcknowledged("m1", "vm1", "h1", HostRole.SOURCE));
        center.enrolled.remove("h2");
        center.tick(Duration.ofSeconds(1));
        assertThat(center.migrations.get("vm1").getAbortPendingHosts()).isEmpty();
        assertThat(center.tick(FakeCenter.DEADLINE)).isEmpty();
    }

    @Test
    void aCommittedMigrationIsNeverAbortedButItsDeregisterIsRetriedEachInterval() {
        FakeCenter center = new FakeCenter("h1", "h2");
        center.registered("vm1", "h1");
        center.migratedToCommit();

        assertThat(center.tick(FakeCenter.DEREGISTER_RETRY.minusSeconds(1))).isEmpty();
        Outcome retry = center.tick(Duration.ofSeconds(1)).get(0);
        assertThat(retry.effects(Effect.Audit.class)).singleElement().satisfies(note -> {
            assertThat(note.transition()).isFalse();
            assertThat(note.step()).isEqualTo(DEREGISTER_SENT);
            assertThat(note.note().detail()).isEqualTo("deregister retry 2");
        });
        assertThat(center.sent("h1", DeregisterVm.class)).hasSize(2);
        assertThat(center.commands.get(center.commands.size() - 1).messageId())
                .isNotEqualTo(center.commands.get(center.commands.size() - 2).messageId());

        center.tick(FakeCenter.DEADLINE.multipliedBy(2));
        assertThat(center.migrations.get("vm1").getStep()).as("past the deadline, still not aborted").isEqualTo(DEREGISTER_SENT);
    }

    @Test
    void aRegistrationOnAnEnrolledHostDeliversTheEpochZeroKeyAndBindsWhenInstalled() {
        FakeCenter center = new FakeCenter("h1");
        Outcome registration = center.register("vm1", "h1");

        assertThat(registration.next().getMigrationId()).isEqualTo("register:vm1");
        assertThat(registration.next().getRegistration()).isTrue();
        assertThat(registration.effects(Effect.HoldRegistration.class)).hasSize(1);
        assertThat(registration.effects(Effect.Audit.class)).extracting(Effect.Audit::step).containsExactly(REQUESTED, KEY_DELIVERED);
        DeliverVmKey delivery = center.sent("h1", DeliverVmKey.class).get(0);
        assertThat(delivery.getBinding().getEpoch()).isZero();
        assertThat(delivery.getBinding().getMigrationId()).isNull();

        Outcome installed = center.reply("h1", "register:vm1", "vm1",
                Replies.keyInstalled("register:vm1", "vm1", "h1", delivery.getBinding().getKeyFingerprint(), 0));
        assertThat(installed.effects(Effect.Audit.class)).extracting(Effect.Audit::step)
                .containsExactly(KEY_INSTALLED, COMMITTED, DONE);
        assertThat(installed.effects(Effect.CommitBinding.class).get(0).entry().getVmName()).isEqualTo("name-vm1");
        assertThat(installed.effects(Effect.ReleaseRegistration.class)).containsExactly(new Effect.ReleaseRegistration("vm1"));
        assertThat(center.registrations).isEmpty();
    }

    @Test
    void aRegistrationWaitsForItsHostsEnrollmentAndAbortsWithoutHostCommandsAtTheDeadline() {
        FakeCenter center = new FakeCenter();
        Outcome waiting = center.register("vm1", "h1");
        assertThat(waiting.effects(Effect.SendCommand.class)).isEmpty();
        assertThat(center.tick(Duration.ofSeconds(1))).isEmpty();

        center.tick(FakeCenter.DEADLINE);
        assertThat(center.steps("register:vm1")).containsExactly(REQUESTED, ABORTED);
        assertThat(center.sent("h1", AbortMigration.class)).as("nothing was sent to the host").isEmpty();
        assertThat(center.registrations).isEmpty();
        assertThat(center.vmKeys).as("the minted key is dropped").isEmpty();
    }

    // Found by the fault run (issue 9): the host installed the key, its reply reached the center after the
    // deadline, the registration had aborted and the VM stayed unbound for good, its key in the zone.
    @Test
    void aRegistrationWhoseKeyWasDeliveredWaitsPastItsDeadlineForTheHostsLateAnswer() {
        FakeCenter center = new FakeCenter();
        center.register("vm1", "h1");
        center.enrolled.add("h1");
        assertThat(center.tick(Duration.ofSeconds(1))).singleElement()
                .satisfies(o -> assertThat(o.next().getStep()).isEqualTo(KEY_DELIVERED));

        assertThat(center.tick(FakeCenter.DEADLINE.multipliedBy(3))).as("no abort by the clock").isEmpty();
        DeliverVmKey delivery = center.sent("h1", DeliverVmKey.class).get(0);
        Outcome installed = center.reply("h1", "register:vm1", "vm1",
                Replies.keyInstalled("register:vm1", "vm1", "h1", delivery.getBinding().getKeyFingerprint(), 0));

        assertThat(installed.effects(Effect.Audit.class)).extracting(Effect.Audit::step)
                .containsExactly(KEY_INSTALLED, COMMITTED, DONE);
        assertThat(center.bindings.get("vm1").getBinding().getHostId()).isEqualTo("h1");
        assertThat(center.registrations).isEmpty();
    }

    @Test
    void aRegistrationIsRetriedOnTheSameMigrationIdAndContinuesItsAuditChain() {
        FakeCenter center = new FakeCenter();
        center.register("vm1", "h1");
        center.tick(FakeCenter.DEADLINE.plusSeconds(1));
        MigrationState aborted = center.migrations.get("vm1");
        Outcome again = center.machine.onRegistration(center.facts("vm1"), center.registration("vm1", "h1"), center.now);
        assertThat(again.next().getAuditSequence()).isEqualTo(aborted.getAuditSequence());
        assertThat(again.next().getLastAuditHash()).isEqualTo(aborted.getLastAuditHash());
    }

    @Test
    void aRegistrationOfABoundOrBusyVmIsNotAMigration() {
        FakeCenter center = new FakeCenter("h1", "h2");
        center.registered("vm1", "h1");
        assertThat(center.register("vm1", "h1").effects()).singleElement().isInstanceOf(Effect.LogOnly.class);
        Outcome elsewhere = center.register("vm1", "h2");
        assertThat(elsewhere.keep()).isEqualTo(Outcome.Keep.NOTHING);
        assertThat(elsewhere.effects(Effect.Alert.class)).singleElement()
                .satisfies(a -> assertThat(a.reason()).isEqualTo(RefusalReason.BINDING_MISMATCH));

        center.register("vm2", "h1");
        assertThat(center.register("vm2", "h1").effects()).singleElement().isInstanceOf(Effect.LogOnly.class);
    }

    @Test
    void decisionsNeverChangeTheStateTheyAreGiven() {
        FakeCenter center = new FakeCenter("h1", "h2");
        center.registered("vm1", "h1");
        center.request("m1", "vm1", "h1", "h2");
        MigrationState stored = center.migrations.get("vm1");
        MigrationState copy = MigrationState.newBuilder(stored).build();

        center.machine.onReply(center.facts("vm1"), new VerifiedReply("r", io.vmigrate.schema.common.MessageType.TARGET_VM_CREATED,
                "h2", "m1", "vm1", Replies.targetCreated("m1", "vm1", "h2")), center.now);
        center.machine.onTick(center.facts("vm1"), center.now.plus(FakeCenter.DEADLINE.multipliedBy(2)));

        assertThat(stored).isEqualTo(copy);
    }
}
