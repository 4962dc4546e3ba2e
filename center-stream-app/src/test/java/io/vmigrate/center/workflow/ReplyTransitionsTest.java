package io.vmigrate.center.workflow;

import static io.vmigrate.schema.common.MigrationStep.ABORTED;
import static io.vmigrate.schema.common.MigrationStep.ABORTING;
import static io.vmigrate.schema.common.MigrationStep.ATTESTATION_FORWARDED;
import static io.vmigrate.schema.common.MigrationStep.ATTESTATION_RECEIVED;
import static io.vmigrate.schema.common.MigrationStep.COMMANDED;
import static io.vmigrate.schema.common.MigrationStep.COMMITTED;
import static io.vmigrate.schema.common.MigrationStep.COMPLETION_REPORTED;
import static io.vmigrate.schema.common.MigrationStep.DEREGISTER_SENT;
import static io.vmigrate.schema.common.MigrationStep.DONE;
import static io.vmigrate.schema.common.MigrationStep.KEY_DELIVERED;
import static io.vmigrate.schema.common.MigrationStep.KEY_INSTALLED;
import static io.vmigrate.schema.common.MigrationStep.TARGET_CREATED;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.command.AbortMigration;
import io.vmigrate.schema.command.DeliverVmKey;
import io.vmigrate.schema.command.DeregisterVm;
import io.vmigrate.schema.command.ForwardedVmAttestation;
import io.vmigrate.schema.common.HostRole;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What each verified host reply does, in the step it fits and in the steps it does not. */
class ReplyTransitionsTest {

    private FakeCenter center;
    private String epoch0;

    @BeforeEach
    void vm1BoundToH1AndMigrationM1Commanded() {
        center = new FakeCenter("h1", "h2", "h3");
        epoch0 = center.registered("vm1", "h1");
        center.request("m1", "vm1", "h1", "h2");
    }

    private static List<MigrationStep> steps(Outcome outcome) {
        return outcome.effects(Effect.Audit.class).stream().filter(Effect.Audit::transition).map(Effect.Audit::step).toList();
    }

    private static List<String> notes(Outcome outcome) {
        return outcome.effects(Effect.Audit.class).stream().filter(a -> !a.transition()).map(a -> a.note().detail()).toList();
    }

    @Test
    void targetCreatedDeliversTheNewEpochsKeyToTheDestination() {
        Outcome outcome = center.reply("h2", "m1", "vm1", Replies.targetCreated("m1", "vm1", "h2"));

        assertThat(steps(outcome)).containsExactly(TARGET_CREATED, KEY_DELIVERED);
        Effect.StoreVmKey stored = outcome.effects(Effect.StoreVmKey.class).get(0);
        assertThat(stored.keyId()).isEqualTo("vm1@1");
        Effect.SendCommand command = outcome.effects(Effect.SendCommand.class).get(0);
        assertThat(command.hostId()).isEqualTo("h2");
        assertThat(command.bindingEpoch()).isEqualTo(1);
        DeliverVmKey delivery = (DeliverVmKey) command.body();
        assertThat(delivery.getBinding().getEpoch()).isEqualTo(1);
        assertThat(delivery.getBinding().getMigrationId()).isEqualTo("m1");
        assertThat(delivery.getVmPublicKey()).isEqualTo(stored.key().getVmPublicKey());
        assertThat(outcome.next().getNewKeyFingerprint()).isEqualTo(delivery.getBinding().getKeyFingerprint());
        assertThat(outcome.effects(Effect.Audit.class).get(1).note())
                .isEqualTo(AuditNote.key(1, delivery.getBinding().getKeyFingerprint(), command.messageId()));
    }

    @Test
    void targetCreatedForADestinationNoLongerEnrolledAborts() {
        center.enrolled.remove("h2");
        Outcome outcome = center.reply("h2", "m1", "vm1", Replies.targetCreated("m1", "vm1", "h2"));

        assertThat(steps(outcome)).containsExactly(TARGET_CREATED, ABORTING, ABORTED);
        assertThat(outcome.next().getOutcomeReason()).isEqualTo(RefusalReason.DESTINATION_NOT_ENROLLED);
        assertThat(outcome.effects(Effect.StoreVmKey.class)).isEmpty();
    }

    @Test
    void aSecondTargetCreatedIsIgnored() {
        center.reply("h2", "m1", "vm1", Replies.targetCreated("m1", "vm1", "h2"));
        Outcome again = center.reply("h2", "m1", "vm1", Replies.targetCreated("m1", "vm1", "h2"));

        assertThat(steps(again)).isEmpty();
        assertThat(again.effects(Effect.SendCommand.class)).isEmpty();
        assertThat(notes(again)).singleElement().asString().startsWith("ignored TARGET_VM_CREATED from h2");
    }

    @Test
    void keyInstalledWithTheDeliveredKeyIsRecorded() {
        center.reply("h2", "m1", "vm1", Replies.targetCreated("m1", "vm1", "h2"));
        Outcome outcome = center.reply("h2", "m1", "vm1",
                Replies.keyInstalled("m1", "vm1", "h2", center.lastKeyDelivered("h2"), 1));

        assertThat(steps(outcome)).containsExactly(KEY_INSTALLED);
        assertThat(outcome.next().getKeyInstalled()).isTrue();
    }

    @Test
    void keyInstalledWithAnotherKeyAbortsAndDropsTheMintedKey() {
        center.reply("h2", "m1", "vm1", Replies.targetCreated("m1", "vm1", "h2"));
        Outcome outcome = center.reply("h2", "m1", "vm1", Replies.keyInstalled("m1", "vm1", "h2", "not-it", 1));

        assertThat(steps(outcome)).containsExactly(ABORTING, ABORTED);
        assertThat(outcome.next().getOutcomeReason()).isEqualTo(RefusalReason.BINDING_MISMATCH);
        assertThat(outcome.effects(Effect.DropVmKey.class)).containsExactly(new Effect.DropVmKey("vm1@1"));
        assertThat(outcome.effects(Effect.CommitBinding.class)).isEmpty();
    }

    @Test
    void aFailedKeyInstallAbortsWithTheHostsReasonToBothHosts() {
        center.reply("h2", "m1", "vm1", Replies.targetCreated("m1", "vm1", "h2"));
        Outcome outcome = center.reply("h2", "m1", "vm1", Replies.keyFailed("m1", "vm1", "h2", 1));

        assertThat(outcome.next().getOutcomeReason()).isEqualTo(RefusalReason.UNWRAP_FAILED);
        var aborts = outcome.effects(Effect.SendCommand.class);
        assertThat(aborts).extracting(Effect.SendCommand::hostId).containsExactly("h1", "h2");
        assertThat(aborts).extracting(Effect.SendCommand::bindingEpoch).containsExactly(0L, 1L);
        assertThat(aborts).extracting(c -> ((AbortMigration) c.body()).getRole())
                .containsExactly(HostRole.SOURCE, HostRole.DESTINATION);
        assertThat(center.bindings.get("vm1").getBinding().getEpoch()).as("binding untouched").isZero();
    }

    @Test
    void anAttestationIsForwardedToTheDestinationEvenBeforeTheTargetExists() {
        Outcome outcome = center.reply("h1", "m1", "vm1", Replies.attestation("m1", "vm1", "h1"));

        assertThat(steps(outcome)).containsExactly(ATTESTATION_RECEIVED, ATTESTATION_FORWARDED);
        Effect.SendCommand forwarded = outcome.effects(Effect.SendCommand.class).get(0);
        assertThat(forwarded.hostId()).isEqualTo("h2");
        assertThat(((ForwardedVmAttestation) forwarded.body()).getSourceAttestationMessageId())
                .isEqualTo(outcome.effects(Effect.Audit.class).get(0).note().relatedMessageId());
    }

    @Test
    void completionBeforeKeyAndAttestationIsIgnored() {
        center.reply("h2", "m1", "vm1", Replies.targetCreated("m1", "vm1", "h2"));
        Outcome outcome = center.reply("h2", "m1", "vm1",
                Replies.completed("m1", "vm1", "h2", center.lastKeyDelivered("h2"), 1));

        assertThat(steps(outcome)).isEmpty();
        assertThat(notes(outcome)).singleElement().asString().contains("completion before key installed");
    }

    @Test
    void completionCommitsTheBindingThenAsksTheSourceToDeregister() {
        String epoch1 = center.walkedToCommit();
        Outcome outcome = center.outcomes.get(center.outcomes.size() - 1);

        assertThat(steps(outcome)).containsExactly(COMPLETION_REPORTED, COMMITTED, DEREGISTER_SENT);
        VmInventoryEntry committed = outcome.effects(Effect.CommitBinding.class).get(0).entry();
        assertThat(committed.getBinding().getHostId()).isEqualTo("h2");
        assertThat(committed.getBinding().getEpoch()).isEqualTo(1);
        assertThat(committed.getBinding().getKeyFingerprint()).isEqualTo(epoch1);
        assertThat(committed.getBinding().getMigrationId()).isEqualTo("m1");
        assertThat(committed.getVmName()).isEqualTo("name-vm1");
        DeregisterVm deregister = (DeregisterVm) outcome.effects(Effect.SendCommand.class).get(0).body();
        assertThat(deregister.getEpoch()).isEqualTo(1);
        assertThat(deregister.getRetiredKeyFingerprint()).isEqualTo(epoch0);
        assertThat(outcome.effects(Effect.SendCommand.class).get(0).hostId()).isEqualTo("h1");
        assertThat(center.steps("m1")).containsExactly(MigrationStep.REQUESTED, COMMANDED, TARGET_CREATED, KEY_DELIVERED,
                KEY_INSTALLED, ATTESTATION_RECEIVED, ATTESTATION_FORWARDED, COMPLETION_REPORTED, COMMITTED, DEREGISTER_SENT);
    }

    @Test
    void aBindingChangedUnderTheMigrationAbortsAtCommit() {
        center.reply("h2", "m1", "vm1", Replies.targetCreated("m1", "vm1", "h2"));
        String epoch1 = center.lastKeyDelivered("h2");
        center.reply("h2", "m1", "vm1", Replies.keyInstalled("m1", "vm1", "h2", epoch1, 1));
        center.reply("h1", "m1", "vm1", Replies.attestation("m1", "vm1", "h1"));
        VmInventoryEntry moved = VmInventoryEntry.newBuilder(center.bindings.get("vm1")).build();
        moved.getBinding().setEpoch(7);
        center.bindings.put("vm1", moved);
        Outcome outcome = center.reply("h2", "m1", "vm1", Replies.completed("m1", "vm1", "h2", epoch1, 1));

        assertThat(steps(outcome)).containsExactly(COMPLETION_REPORTED, ABORTING, ABORTED);
        assertThat(outcome.effects(Effect.CommitBinding.class)).isEmpty();
    }

    @Test
    void theDeregistrationOfTheNewEpochEndsTheMigrationAndRetiresTheOldKey() {
        center.walkedToCommit();
        Outcome wrongEpoch = center.reply("h1", "m1", "vm1", Replies.deregistered("m1", "vm1", "h1", 0));
        assertThat(steps(wrongEpoch)).isEmpty();

        Outcome outcome = center.reply("h1", "m1", "vm1", Replies.deregistered("m1", "vm1", "h1", 1));
        assertThat(steps(outcome)).containsExactly(DONE);
        assertThat(outcome.effects(Effect.DropVmKey.class)).containsExactly(new Effect.DropVmKey("vm1@0"));
    }

    @Test
    void aRefusalAbortsBeforeCommitButIsOnlyNotedAfter() {
        Outcome before = center.reply("h1", "m1", "vm1", Replies.refused(center.lastSentTo("h1", "m1"), RefusalReason.HYPERVISOR_FAILURE));
        assertThat(steps(before)).containsExactly(ABORTING, ABORTED);

        FakeCenter committed = new FakeCenter("h1", "h2");
        committed.registered("vm1", "h1");
        committed.migratedToCommit();
        Outcome after = committed.reply("h1", "m1", "vm1", Replies.refused(committed.lastSentTo("h1", "m1"), RefusalReason.STALE_EPOCH));
        assertThat(steps(after)).isEmpty();
        assertThat(after.effects(Effect.Audit.class)).singleElement()
                .satisfies(a -> assertThat(a.note().reason()).isEqualTo(RefusalReason.STALE_EPOCH));
        assertThat(after.next().getStep()).isEqualTo(DEREGISTER_SENT);
    }

    @Test
    void aReplayedRefusalIsIgnored() {
        Outcome outcome = center.reply("h2", "m1", "vm1", Replies.refused(center.lastSentTo("h2", "m1"), RefusalReason.REPLAYED));
        assertThat(steps(outcome)).isEmpty();
        assertThat(outcome.next().getStep()).isEqualTo(COMMANDED);
    }

    @Test
    void afterAFinalStepOnlyAbortAcknowledgementsAreNotedAndNothingIsActedOn() {
        center.reply("h1", "m1", "vm1", Replies.refused(center.lastSentTo("h1", "m1"), RefusalReason.HYPERVISOR_FAILURE));
        Outcome ack = center.reply("h2", "m1", "vm1", Replies.abortAcknowledged("m1", "vm1", "h2", HostRole.DESTINATION));
        assertThat(notes(ack)).containsExactly("DESTINATION h2 acknowledged the abort (target destroyed true, key zeroized true)");

        Outcome late = center.reply("h2", "m1", "vm1", Replies.targetCreated("m1", "vm1", "h2"));
        assertThat(steps(late)).isEmpty();
        assertThat(late.effects(Effect.SendCommand.class)).isEmpty();
        assertThat(notes(late)).containsExactly("ignored TARGET_VM_CREATED from h2: migration already ended in ABORTED");
        assertThat(late.next().getStep()).isEqualTo(ABORTED);
    }

    @Test
    void aReplyNamingAnotherMigrationIsNotedOnTheCurrentOne() {
        Outcome outcome = center.reply("h2", "m0", "vm1", Replies.targetCreated("m0", "vm1", "h2"));
        assertThat(outcome.next().getMigrationId()).isEqualTo("m1");
        assertThat(notes(outcome)).containsExactly("ignored TARGET_VM_CREATED from h2: it names migration m0");
    }

    @Test
    void aReplyFromTheWrongPartyIsDeadLetteredAndAlertedAndNothingIsKept() {
        Outcome outcome = center.reply("h1", "m1", "vm1", Replies.targetCreated("m1", "vm1", "h1"));

        assertThat(outcome.keep()).isEqualTo(Outcome.Keep.NOTHING);
        assertThat(outcome.effects()).hasSize(2);
        assertThat(outcome.effects(Effect.DeadLetterInput.class)).singleElement()
                .extracting(Effect.DeadLetterInput::reason).isEqualTo(RefusalReason.WRONG_HOST);
        Effect.Alert alert = outcome.effects(Effect.Alert.class).get(0);
        assertThat(alert.reason()).isEqualTo(RefusalReason.WRONG_HOST);
        assertThat(alert.hostId()).isEqualTo("h1");
        assertThat(alert.migrationId()).isEqualTo("m1");
        assertThat(center.reply("h3", "m1", "vm1", Replies.refusedUnsent("m1", "vm1", "h3", RefusalReason.HYPERVISOR_FAILURE))
                .effects(Effect.Alert.class)).as("a third host may not even refuse").hasSize(1);
    }

    @Test
    void aReplyForAVmWithoutMigrationIsOnlyLogged() {
        Outcome outcome = center.reply("h2", "m7", "vm7", Replies.targetCreated("m7", "vm7", "h2"));
        assertThat(outcome.keep()).isEqualTo(Outcome.Keep.NOTHING);
        assertThat(outcome.effects()).singleElement().isInstanceOf(Effect.LogOnly.class);
    }
}
