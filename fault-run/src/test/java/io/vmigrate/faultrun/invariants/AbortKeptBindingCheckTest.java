package io.vmigrate.faultrun.invariants;

import static io.vmigrate.faultrun.invariants.Records.binding;
import static io.vmigrate.faultrun.invariants.Records.step;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.common.MigrationStep;
import java.util.List;
import org.junit.jupiter.api.Test;

class AbortKeptBindingCheckTest {

    static final List<AuditStep> ABORTED = List.of(step(0, "m1", 0, MigrationStep.REQUESTED, 10, "vm-a"),
            step(1, "m1", 1, MigrationStep.COMMANDED, 11, "vm-a"), step(2, "m1", 2, MigrationStep.ABORTED, 20, "vm-a"));

    @Test
    void anAbortThatLeftTheBindingAsItWasHolds() {
        var result = AbortKeptBindingCheck.check(ABORTED, List.of(binding(0, "vm-a", "h1", 0, null, 0),
                binding(1, "vm-a", "h3", 1, "m2", 30)));

        assertThat(result.holds()).isTrue();
        assertThat(result.summary()).isEqualTo("1 aborted migrations checked, 0 changed a binding");
    }

    @Test
    void aBindingWrittenInTheMillisecondTheMigrationWasRequestedIsTheOneBeforeIt() {
        var result = AbortKeptBindingCheck.check(ABORTED, List.of(binding(0, "vm-a", "h1", 0, null, 0),
                binding(1, "vm-a", "h3", 1, "m0", 10)));

        assertThat(result.holds()).isTrue();
    }

    @Test
    void aBindingWrittenByTheAbortedMigrationIsNamed() {
        var result = AbortKeptBindingCheck.check(ABORTED, List.of(binding(0, "vm-a", "h1", 0, null, 0),
                binding(1, "vm-a", "h2", 1, "m1", 15)));

        assertThat(result.violations()).extracting(Violation::detail).containsExactly(
                "aborted migration m1 wrote binding vm-a on h2 epoch 1 key key-vm-a-1 (migration m1)",
                "the binding of VM vm-a changed during aborted migration m1: binding vm-a on h1 epoch 0 key key-vm-a-0 "
                        + "when requested, binding vm-a on h2 epoch 1 key key-vm-a-1 (migration m1) when aborted");
        assertThat(result.violations().get(0).evidence()).containsExactly("inventory at vm.inventory/0@1",
                "ABORTED at migration.audit/0@2");
        assertThat(result.summary()).isEqualTo("1 aborted migrations checked, 1 changed a binding");
    }

    @Test
    void aBindingChangedByAnyoneDuringTheAbortedMigrationIsNamed() {
        var result = AbortKeptBindingCheck.check(ABORTED, List.of(binding(0, "vm-a", "h1", 0, null, 0),
                binding(1, "vm-a", "h3", 1, "m9", 12)));

        assertThat(result.violations()).singleElement().satisfies(v -> assertThat(v.evidence())
                .containsExactly("inventory at vm.inventory/0@0", "inventory at vm.inventory/0@1", "ABORTED at migration.audit/0@2"));
    }

    @Test
    void anAbortedMigrationThatAlsoCommittedIsNamed() {
        var chain = List.of(ABORTED.get(0), step(5, "m1", 1, MigrationStep.COMMITTED, 15, "vm-a"),
                step(6, "m1", 2, MigrationStep.ABORTED, 20, "vm-a"));

        var result = AbortKeptBindingCheck.check(chain, List.of(binding(0, "vm-a", "h1", 0, null, 0)));

        assertThat(result.violations()).extracting(Violation::detail)
                .containsExactly("aborted migration m1 of VM vm-a also committed");
    }
}
