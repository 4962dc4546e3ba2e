package io.vmigrate.faultrun.invariants;

import static io.vmigrate.faultrun.invariants.Records.at;
import static io.vmigrate.faultrun.invariants.Records.step;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.faultrun.RequestedMigration;
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
                List.of(rejection(0, "m4", "vm-d", true)), GRACE);

        assertThat(result.holds()).isTrue();
        assertThat(result.summary()).isEqualTo("4 requested: 1 DONE, 1 ABORTED, 2 REJECTED (refused requests, not violations); "
                + "0 not ended by deadline + PT10S");
    }

    @Test
    void aMigrationStillInFlightIsNamedWithItsLastStepAndRecord() {
        var result = EveryMigrationEndedCheck.check(List.of(requested("m1", "vm-a", 30)),
                List.of(step(7, "m1", 1, MigrationStep.KEY_DELIVERED, 3, "vm-a"), step(6, "m1", 0, MigrationStep.REQUESTED, 0, "vm-a")),
                List.of(), GRACE);

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
                List.of(), GRACE);

        assertThat(result.violations()).singleElement().satisfies(v -> assertThat(v.detail())
                .isEqualTo("migration m1 of VM vm-a ended ABORTED at " + at(41) + ", after its deadline " + at(30)
                        + " + grace PT10S"));
    }

    @Test
    void aRefusedAbortAnotherVmsChainOrNothingAtAllDoNotEndAMigration() {
        var result = EveryMigrationEndedCheck.check(
                List.of(requested("m1", "vm-a", 30), requested("m2", "vm-b", 30), requested("m3", "vm-c", 30)),
                List.of(step(0, "m2", 0, MigrationStep.REQUESTED, 0, "vm-x"), step(1, "m2", 1, MigrationStep.DONE, 5, "vm-x")),
                List.of(rejection(0, "m1", "vm-a", false), rejection(1, "m3", "vm-other", true)), GRACE);

        assertThat(result.violations()).extracting(Violation::detail).allMatch(d -> d.endsWith(
                "has not ended: no record of it on migration.audit or migration.rejections")).hasSize(3);
    }
}
