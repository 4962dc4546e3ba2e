package io.vmigrate.faultrun.invariants;

import io.vmigrate.faultrun.InjectedDuplicate;
import io.vmigrate.forensics.Anomaly;
import io.vmigrate.forensics.ReplayResult;
import io.vmigrate.forensics.Rule;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@link Invariant#REPLAY_CLEAN}: the forensic replay of the whole cluster names no anomaly but at the coordinates
 * of an {@link InjectedDuplicate} (listed as such), and its binding table equals the center's: a
 * {@link Rule#BINDING_MISMATCH_WITH_CENTER} is never excused.
 */
public final class ReplayCleanCheck {

    private ReplayCleanCheck() {}

    public static InvariantResult check(ReplayResult replay, List<InjectedDuplicate> duplicates) {
        List<Violation> violations = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (Anomaly anomaly : replay.anomalies()) {
            Optional<InjectedDuplicate> injected = anomaly.rule() == Rule.BINDING_MISMATCH_WITH_CENTER ? Optional.empty()
                    : duplicates.stream().filter(d -> d.isAt(anomaly.topic(), anomaly.partition(), anomaly.offset())).findFirst();
            if (injected.isPresent()) {
                notes.add("injected duplicate: " + anomaly.rule() + " at " + anomaly.coordinates() + " (copy of "
                        + injected.get().originalTopic() + "/" + injected.get().originalPartition() + "@"
                        + injected.get().originalOffset() + ")");
            } else {
                violations.add(new Violation(Invariant.REPLAY_CLEAN, anomaly.rule() + " at " + anomaly.coordinates()
                        + (anomaly.migrationId() == null ? "" : " migration " + anomaly.migrationId()) + ": " + anomaly.detail(),
                        List.of(anomaly.coordinates())));
            }
        }
        String summary = "replayed " + replay.recordsRead() + " records: " + replay.migrations() + " migrations, "
                + replay.registrations() + " registrations " + replay.outcomes() + "; " + replay.bindings().size()
                + " bindings compared with the center's (" + replay.bindingsComparedWith() + "); " + notes.size()
                + " injected duplicates named, " + violations.size() + " other anomalies";
        return new InvariantResult(Invariant.REPLAY_CLEAN, summary, violations, notes);
    }
}
