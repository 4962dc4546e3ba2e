package io.vmigrate.faultrun.invariants;

import java.util.List;
import java.util.Objects;

/** One broken invariant, with the records (or files) that show it. */
public record Violation(Invariant invariant, String detail, List<String> evidence) {

    public Violation {
        Objects.requireNonNull(invariant, "invariant");
        Objects.requireNonNull(detail, "detail");
        evidence = List.copyOf(evidence);
    }

    @Override
    public String toString() {
        return invariant + ": " + detail + (evidence.isEmpty() ? "" : " [" + String.join("; ", evidence) + "]");
    }
}
