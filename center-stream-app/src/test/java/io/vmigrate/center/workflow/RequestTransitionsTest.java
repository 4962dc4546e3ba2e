package io.vmigrate.center.workflow;

import static io.vmigrate.schema.common.MigrationStep.COMMANDED;
import static io.vmigrate.schema.common.MigrationStep.DONE;
import static io.vmigrate.schema.common.MigrationStep.REJECTED;
import static io.vmigrate.schema.common.MigrationStep.REQUESTED;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.center.MigrationState;
import io.vmigrate.schema.command.CreateTargetVm;
import io.vmigrate.schema.command.MigrateOut;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.request.MigrationRejected;
import io.vmigrate.schema.request.MigrationRequested;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** An operator's request: commanded, rejected for each reason, or recognised as a retry. */
class RequestTransitionsTest {

    private FakeCenter center;

    @BeforeEach
    void vm1BoundToH1() {
        center = new FakeCenter("h1", "h2", "h3");
        center.registered("vm1", "h1");
    }

    @Test
    void aValidRequestCommandsSourceAndDestinationAtTheBoundEpoch() {
        Outcome outcome = center.request("m1", "vm1", "h1", "h2");

        assertThat(outcome.keep()).isEqualTo(Outcome.Keep.AS_CURRENT);
        assertThat(outcome.next().getStep()).isEqualTo(COMMANDED);
        assertThat(outcome.next().getPreviousEpoch()).isZero();
        assertThat(outcome.next().getNewEpoch()).isEqualTo(1);
        assertThat(outcome.next().getDeadline()).isEqualTo(FakeCenter.START.plus(FakeCenter.DEADLINE));
        var commands = outcome.effects(Effect.SendCommand.class);
        assertThat(commands).extracting(Effect.SendCommand::hostId).containsExactly("h1", "h2");
        assertThat(commands).extracting(Effect.SendCommand::bindingEpoch).containsExactly(0L, 0L);
        assertThat(commands.get(0).body()).isInstanceOf(MigrateOut.class);
        assertThat(((MigrateOut) commands.get(0).body()).getDestinationHostId()).isEqualTo("h2");
        assertThat(((CreateTargetVm) commands.get(1).body()).getSourceHostId()).isEqualTo("h1");
        var audit = outcome.effects(Effect.Audit.class);
        assertThat(audit).extracting(Effect.Audit::step).containsExactly(REQUESTED, COMMANDED);
        assertThat(audit.get(1).note().relatedMessageId()).isEqualTo(commands.get(0).messageId());
        assertThat(audit.get(1).note().detail())
                .isEqualTo("MigrateOut " + commands.get(0).messageId() + ", CreateTargetVm " + commands.get(1).messageId());
    }

    @Test
    void anUnknownVmIsRejected() {
        assertRejected(center.request("m1", "vm9", "h1", "h2"), RefusalReason.VM_UNKNOWN, Outcome.Keep.AS_CURRENT);
    }

    @Test
    void aVmNotOnTheSourceIsRejected() {
        assertRejected(center.request("m1", "vm1", "h2", "h3"), RefusalReason.VM_NOT_BOUND_TO_SOURCE, Outcome.Keep.AS_CURRENT);
    }

    @Test
    void theSameHostTwiceIsRejected() {
        assertRejected(center.request("m1", "vm1", "h1", "h1"), RefusalReason.SAME_SOURCE_AND_DESTINATION,
                Outcome.Keep.AS_CURRENT);
    }

    @Test
    void anUnenrolledSourceOrDestinationIsRejected() {
        center.enrolled.remove("h3");
        assertRejected(center.request("m1", "vm1", "h1", "h3"), RefusalReason.DESTINATION_NOT_ENROLLED,
                Outcome.Keep.AS_CURRENT);
        center.enrolled.remove("h1");
        assertRejected(center.request("m2", "vm1", "h1", "h2"), RefusalReason.SOURCE_NOT_ENROLLED, Outcome.Keep.AS_CURRENT);
    }

    @Test
    void aDeadlineInThePastIsRejected() {
        MigrationRequested request = MigrationRequested.newBuilder().setMigrationId("m1").setVmId("vm1")
                .setSourceHostId("h1").setDestinationHostId("h2").setRequestedBy("operator")
                .setRequestedAt(center.now).setDeadline(center.now).build();
        assertRejected(center.request(request), RefusalReason.DEADLINE_PASSED, Outcome.Keep.AS_CURRENT);
    }

    @Test
    void aSecondMigrationWhileOneIsInFlightIsRejectedWithoutReplacingIt() {
        center.request("m1", "vm1", "h1", "h2");
        Outcome second = center.request("m2", "vm1", "h1", "h3");

        assertRejected(second, RefusalReason.MIGRATION_IN_FLIGHT, Outcome.Keep.BY_ID_ONLY);
        assertThat(center.migrations.get("vm1").getMigrationId()).isEqualTo("m1");
        assertThat(center.migrationsById.get("m2").getStep()).isEqualTo(REJECTED);
    }

    @Test
    void theSameRequestAgainIsOnlyNoted() {
        center.request("m1", "vm1", "h1", "h2");
        MigrationState before = center.migrations.get("vm1");
        Outcome again = center.request("m1", "vm1", "h1", "h2");

        assertThat(again.effects()).containsExactly(new Effect.Audit(COMMANDED, AuditNote.detail("duplicate request ignored"), false));
        assertThat(again.next().getStep()).isEqualTo(COMMANDED);
        assertThat(again.next()).as("a copy, not the stored state").isNotSameAs(before);
    }

    @Test
    void aDeadlineBeyondTheConfiguredMaximumIsRejected() {
        MigrationRequested request = MigrationRequested.newBuilder().setMigrationId("m1").setVmId("vm1")
                .setSourceHostId("h1").setDestinationHostId("h2").setRequestedBy("operator")
                .setRequestedAt(center.now).setDeadline(center.now.plus(FakeCenter.MAX_DEADLINE).plusSeconds(1)).build();
        assertRejected(center.request(request), RefusalReason.MALFORMED, Outcome.Keep.AS_CURRENT);
    }

    @Test
    void aMigrationIdIsNeverUsedTwiceEvenForAnotherVmOrAfterItEnded() {
        center.registered("vm2", "h1");
        center.request("m1", "vm1", "h1", "h2");
        Outcome otherVm = center.request("m1", "vm2", "h1", "h2");
        assertThat(otherVm.keep()).isEqualTo(Outcome.Keep.NOTHING);
        assertThat(otherVm.effects(Effect.Audit.class)).as("the id's audit chain belongs to the first").isEmpty();
        assertThat(otherVm.effects(Effect.Reject.class)).singleElement().extracting(r -> r.rejection().getReason())
                .isEqualTo(RefusalReason.REPLAYED);
        assertThat(otherVm.effects(Effect.Alert.class)).hasSize(1);
        assertThat(center.migrationsById.get("m1").getVmId()).isEqualTo("vm1");

        center.request("bad", "vm2", "h1", "h1");
        assertThat(center.request("bad", "vm1", "h1", "h2").effects(Effect.Reject.class))
                .as("a rejected request's id is used too").singleElement()
                .extracting(r -> r.rejection().getReason()).isEqualTo(RefusalReason.REPLAYED);
    }

    @Test
    void aMigrationIdOutsideTheAllowedFormIsRejected() {
        for (String id : new String[] {"register:vm1", "x".repeat(129), "has space", ""}) {
            Outcome outcome = center.request(id, "vm1", "h1", "h2");
            assertThat(outcome.keep()).as(id).isEqualTo(Outcome.Keep.NOTHING);
            assertThat(outcome.effects(Effect.Reject.class)).as(id).singleElement()
                    .extracting(r -> r.rejection().getReason()).isEqualTo(RefusalReason.MALFORMED);
        }
        assertThat(center.migrations.get("vm1").getStep()).as("the registration is untouched").isEqualTo(DONE);
    }

    private static void assertRejected(Outcome outcome, RefusalReason reason, Outcome.Keep keep) {
        assertThat(outcome.keep()).isEqualTo(keep);
        assertThat(outcome.next().getStep()).isEqualTo(REJECTED);
        assertThat(outcome.next().getOutcomeReason()).isEqualTo(reason);
        assertThat(outcome.effects(Effect.SendCommand.class)).isEmpty();
        assertThat(outcome.effects(Effect.Audit.class)).extracting(Effect.Audit::step).containsExactly(REQUESTED, REJECTED);
        assertThat(outcome.effects(Effect.Audit.class).get(1).note().reason()).isEqualTo(reason);
        assertThat(outcome.effects(Effect.Reject.class)).singleElement().extracting(Effect.Reject::rejection)
                .extracting(MigrationRejected::getReason).isEqualTo(reason);
    }
}
