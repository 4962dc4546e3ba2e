package io.vmigrate.faultrun.invariants;

import static io.vmigrate.faultrun.invariants.Records.at;
import static io.vmigrate.faultrun.invariants.Records.step;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.faultrun.FaultKind;
import io.vmigrate.faultrun.InjectedFault;
import io.vmigrate.faultrun.RequestedMigration;
import io.vmigrate.faultrun.ScheduledFault;
import io.vmigrate.forensics.RecordCoordinates;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.topic.Topics;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class EveryMigrationEndedCheckTest {

    static final Duration GRACE = Duration.ofSeconds(10);

    static RequestedMigration requested(String id, String vm, int deadlineSecond) {
        return new RequestedMigration(id, vm, "h1", "h2", at(0), at(deadlineSecond));
    }

    static RecordedRejection rejection(long offset, String id, String vm, boolean ofMigrationRequest) {
        return new RecordedRejection(new RecordCoordinates(Topics.MIGRATION_REJECTIONS, 0, offset), id, vm, ofMigrationRequest,
                at(1), "MIGRATION_IN_FLIGHT: busy");
    }

    @Test
    void doneAbortedAndRejectedInTimeHoldAndAreCountedApart() {
        var result = EveryMigrationEndedCheck.check(
                List.of(requested("m1", "vm-a", 30), requested("m2", "vm-b", 30), requested("m3", "vm-c", 30),
                        requested("m4", "vm-d", 30)),
                List.of(step(0, "m1", 0, MigrationStep.REQUESTED, 0, "vm-a"), step(1, "m1", 1, MigrationStep.DONE, 20, "vm-a"),
                        step(2, "m2", 0, MigrationStep.REQUESTED, 0, "vm-b"), step(3, "m2", 1, MigrationStep.ABORTED, 39, "vm-b"),
                        step(4, "m3", 0, MigrationStep.REQUESTED, 0, "vm-c"), step(5, "m3", 1, MigrationStep.REJECTED, 1, "vm-c")),
                List.of(rejection(0, "m4", "vm-d", true)), List.of(), GRACE);

        assertThat(result.holds()).isTrue();
        assertThat(result.summary()).isEqualTo("4 requested: 1 DONE, 1 ABORTED, 2 REJECTED (refused requests, not violations); "
                + "0 not ended by deadline + PT10S");
    }

    @Test
    void aMigrationStillInFlightIsNamedWithItsLastStepAndRecord() {
        var result = EveryMigrationEndedCheck.check(List.of(requested("m1", "vm-a", 30)),
                List.of(step(7, "m1", 1, MigrationStep.KEY_DELIVERED, 3, "vm-a"), step(6, "m1", 0, MigrationStep.REQUESTED, 0, "vm-a")),
                List.of(), List.of(), GRACE);

        assertThat(result.violations()).singleElement().satisfies(v -> {
            assertThat(v.detail()).isEqualTo("migration m1 of VM vm-a (h1 -> h2, deadline " + at(30) + ") has not ended: "
                    + "its last step is KEY_DELIVERED at " + at(3));
            assertThat(v.evidence()).containsExactly("KEY_DELIVERED at migration.audit/0@7");
        });
    }

    @Test
    void anEndAfterTheDeadlinePlusGraceIsLate() {
        var result = EveryMigrationEndedCheck.check(List.of(requested("m1", "vm-a", 30)),
                List.of(step(0, "m1", 0, MigrationStep.REQUESTED, 0, "vm-a"), step(1, "m1", 1, MigrationStep.ABORTED, 41, "vm-a")),
                List.of(), List.of(), GRACE);

        assertThat(result.violations()).singleElement().satisfies(v -> assertThat(v.detail())
                .isEqualTo("migration m1 of VM vm-a ended ABORTED at " + at(41) + ", after its limit " + at(40)
                        + " (deadline " + at(30) + " + grace PT10S)"));
    }

    @Test
    void aRefusedAbortAnotherVmsChainOrNothingAtAllDoNotEndAMigration() {
        var result = EveryMigrationEndedCheck.check(
                List.of(requested("m1", "vm-a", 30), requested("m2", "vm-b", 30), requested("m3", "vm-c", 30)),
                List.of(step(0, "m2", 0, MigrationStep.REQUESTED, 0, "vm-x"), step(1, "m2", 1, MigrationStep.DONE, 5, "vm-x")),
                List.of(rejection(0, "m1", "vm-a", false), rejection(1, "m3", "vm-other", true)), List.of(), GRACE);

        assertThat(result.violations()).extracting(Violation::detail).allMatch(d -> d.endsWith(
                "has not ended: no record of it on migration.audit or migration.rejections")).hasSize(3);
    }

    static InjectedFault fault(FaultKind kind, String target, int fromSecond, int toSecond) {
        return new InjectedFault(new ScheduledFault(1, kind, 0, Duration.ZERO, target, Duration.ofSeconds(toSecond - fromSecond)),
                target, at(fromSecond), at(toSecond), "");
    }

    static List<AuditStep> committedAt(int commitSecond, int doneSecond) {
        return List.of(step(0, "m1", 0, MigrationStep.REQUESTED, 0, "vm-a"),
                step(1, "m1", 1, MigrationStep.COMMITTED, commitSecond, "vm-a"),
                step(2, "m1", 2, MigrationStep.DONE, doneSecond, "vm-a"));
    }

    @Test
    void aCommittedMigrationMayEndAsLateAsTheFaultsOnItsSourceAndTheSystemKeptItWaiting() {
        // Committed at 20 s; the source's agent is down 25..60 s, then the active controller 65..80 s: DONE at 85 s.
        var result = EveryMigrationEndedCheck.check(List.of(requested("m1", "vm-a", 30)), committedAt(20, 85), List.of(),
                List.of(fault(FaultKind.ACTIVE_CONTROLLER, "node-0", 65, 80), fault(FaultKind.HOST_AGENT, "h1", 25, 60),
                        fault(FaultKind.HOST_AGENT, "h2", 20, 200), fault(FaultKind.CENTER, "center-1", 0, 10)),
                GRACE);

        assertThat(result.holds()).as(result.violations().toString()).isTrue();
    }

    @Test
    void aCommittedMigrationLateWithoutAFaultOnItsSourceOrAFaultOnAnotherHostIsLate() {
        var result = EveryMigrationEndedCheck.check(List.of(requested("m1", "vm-a", 30)), committedAt(20, 85), List.of(),
                List.of(fault(FaultKind.HOST_AGENT, "h2", 25, 80), fault(FaultKind.BROKER, "broker-1", 60, 70)), GRACE);

        assertThat(result.violations()).singleElement().satisfies(v -> assertThat(v.detail())
                .isEqualTo("migration m1 of VM vm-a ended DONE at " + at(85) + ", after its limit " + at(40) + " (deadline "
                        + at(30) + " + grace PT10S, later by the faults on its source after its commit)"));
    }

    @Test
    void aCommitAfterTheDeadlineIsAViolationEvenIfItEndsInTime() {
        var result = EveryMigrationEndedCheck.check(List.of(requested("m1", "vm-a", 30)), committedAt(31, 32), List.of(),
                List.of(), GRACE);

        assertThat(result.violations()).singleElement().satisfies(v -> {
            assertThat(v.detail()).isEqualTo("migration m1 of VM vm-a committed at " + at(31) + ", after its deadline " + at(30));
            assertThat(v.evidence()).containsExactly("COMMITTED at migration.audit/0@1");
        });
    }
}
