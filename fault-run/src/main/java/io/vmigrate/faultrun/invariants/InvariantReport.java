package io.vmigrate.faultrun.invariants;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The invariants checked at the end of a run, in {@link Invariant} order, and what broke them. */
public final class InvariantReport {

    private final List<InvariantResult> results;

    private InvariantReport(List<InvariantResult> results) {
        this.results = results;
    }

    /** One result per invariant at most; they are kept in {@link Invariant} order whatever order they come in. */
    public static InvariantReport of(List<InvariantResult> results) {
        EnumSet<Invariant> seen = EnumSet.noneOf(Invariant.class);
        for (InvariantResult result : results) {
            if (!seen.add(result.invariant())) {
                throw new IllegalArgumentException("two results for " + result.invariant());
            }
        }
        List<InvariantResult> ordered = new ArrayList<>(results);
        ordered.sort(Comparator.comparing(InvariantResult::invariant));
        return new InvariantReport(List.copyOf(ordered));
    }

    public List<InvariantResult> results() {
        return results;
    }

    public Optional<InvariantResult> result(Invariant invariant) {
        return results.stream().filter(r -> r.invariant() == invariant).findFirst();
    }

    /** Every violation, those of the first invariant first. */
    public List<Violation> violations() {
        List<Violation> all = new ArrayList<>();
        results.forEach(result -> all.addAll(result.violations()));
        return all;
    }

    /** The first violation of the first broken invariant: what a failed run names. */
    public Optional<Violation> firstBroken() {
        return violations().stream().findFirst();
    }

    public boolean holds() {
        return results.stream().allMatch(InvariantResult::holds);
    }

    /** Each checked invariant's one-line summary, in order. */
    public Map<Invariant, String> summaries() {
        Map<Invariant, String> summaries = new LinkedHashMap<>();
        results.forEach(result -> summaries.put(result.invariant(), result.summary()));
        return summaries;
    }

    public void printTo(PrintWriter out) {
        out.println(holds() ? "invariants: all " + results.size() + " hold"
                : "invariants: BROKEN, first " + firstBroken().map(Violation::toString).orElse(""));
        for (InvariantResult result : results) {
            out.printf("  %-26s %-6s %s%n", result.invariant(), result.holds() ? "ok" : "BROKEN", result.summary());
            for (String note : result.notes()) {
                out.println("      " + note);
            }
            for (Violation violation : result.violations()) {
                out.println("  !! " + violation);
            }
        }
        out.flush();
    }
}
