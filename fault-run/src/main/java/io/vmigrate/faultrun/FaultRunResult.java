package io.vmigrate.faultrun;

import io.vmigrate.faultrun.invariants.InvariantReport;
import io.vmigrate.faultrun.invariants.Violation;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;

/** What a run ends with: its schedule and the faults as injected, its figures, the invariants, and any run error. */
public record FaultRunResult(FaultRunSettings settings, FaultSchedule schedule, List<InjectedFault> faults,
        FaultRunFigures figures, InvariantReport invariants, List<String> runErrors) {

    public FaultRunResult {
        faults = List.copyOf(faults);
        runErrors = List.copyOf(runErrors);
    }

    public boolean passed() {
        return runErrors.isEmpty() && invariants.firstBroken().isEmpty();
    }

    /** 0 when every invariant held and the run itself went as scheduled; 1 otherwise. */
    public int exitCode() {
        return passed() ? 0 : 1;
    }

    /** The first thing that went wrong: a run error (timeout, a component dying by itself) or the first broken invariant. */
    public Optional<String> firstFailure() {
        if (!runErrors.isEmpty()) {
            return Optional.of(runErrors.get(0));
        }
        return invariants.firstBroken().map(Violation::toString);
    }

    public void printVerdict(PrintWriter out) {
        out.println();
        if (passed()) {
            out.println("RESULT: PASS: every invariant held (seed " + settings.seed() + ")");
        } else {
            out.println("RESULT: FAIL (seed " + settings.seed() + "): " + firstFailure().orElseThrow());
            runErrors.stream().skip(1).forEach(error -> out.println("  also: " + error));
        }
        out.flush();
    }
}
