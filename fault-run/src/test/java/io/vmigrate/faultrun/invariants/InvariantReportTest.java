package io.vmigrate.faultrun.invariants;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class InvariantReportTest {

    static InvariantResult holds(Invariant invariant) {
        return new InvariantResult(invariant, "fine", List.of(), List.of());
    }

    static InvariantResult broken(Invariant invariant, String detail) {
        return new InvariantResult(invariant, "not fine", List.of(new Violation(invariant, detail, List.of("t/0@1"))), List.of());
    }

    @Test
    void resultsAreKeptInInvariantOrderAndTheFirstBrokenIsTheEarliestInvariants() {
        var report = InvariantReport.of(List.of(broken(Invariant.REPLAY_CLEAN, "late"), holds(Invariant.VM_ON_EXACTLY_ONE_HOST),
                broken(Invariant.EPOCHS_GREW, "early")));

        assertThat(report.summaries().keySet()).containsExactly(Invariant.VM_ON_EXACTLY_ONE_HOST, Invariant.EPOCHS_GREW,
                Invariant.REPLAY_CLEAN);
        assertThat(report.holds()).isFalse();
        assertThat(report.firstBroken()).hasValueSatisfying(v -> assertThat(v.detail()).isEqualTo("early"));
        assertThat(report.violations()).extracting(Violation::detail).containsExactly("early", "late");
    }

    @Test
    void aReportPrintsOneLinePerInvariantThenItsNotesAndViolations() {
        var notes = new InvariantResult(Invariant.REPLAY_CLEAN, "replayed", List.of(), List.of("injected duplicate: X"));
        var out = new StringWriter();
        InvariantReport.of(List.of(notes, broken(Invariant.EPOCHS_GREW, "VM a went back"))).printTo(new PrintWriter(out));

        assertThat(out.toString().lines()).containsExactly(
                "invariants: BROKEN, first EPOCHS_GREW: VM a went back [t/0@1]",
                String.format("  %-26s %-6s %s", "EPOCHS_GREW", "BROKEN", "not fine"),
                "  !! EPOCHS_GREW: VM a went back [t/0@1]",
                String.format("  %-26s %-6s %s", "REPLAY_CLEAN", "ok", "replayed"),
                "      injected duplicate: X");
    }

    @Test
    void twoResultsForOneInvariantOrAViolationOfAnotherAreRefused() {
        assertThatThrownBy(() -> InvariantReport.of(List.of(holds(Invariant.EPOCHS_GREW), holds(Invariant.EPOCHS_GREW))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new InvariantResult(Invariant.EPOCHS_GREW, "x",
                List.of(new Violation(Invariant.REPLAY_CLEAN, "y", List.of())), List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
