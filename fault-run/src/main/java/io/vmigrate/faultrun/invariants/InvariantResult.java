package io.vmigrate.faultrun.invariants;

import java.util.List;
import java.util.Objects;

/**
 * What one check found: a one-line summary with the counts it saw, the violations, and notes (excused
 * findings, such as an injected duplicate the replay names).
 */
public record InvariantResult(Invariant invariant, String summary, List<Violation> violations, List<String> notes) {

    public InvariantResult {
        Objects.requireNonNull(invariant, "invariant");
        Objects.requireNonNull(summary, "summary");
        violations = List.copyOf(violations);
        notes = List.copyOf(notes);
        for (Violation violation : violations) {
            if (violation.invariant() != invariant) {
                throw new IllegalArgumentException("a " + violation.invariant() + " violation in the result of " + invariant);
            }
        }
    }

    public boolean holds() {
        return violations.isEmpty();
    }
}
