package io.vmigrate.faultrun.invariants;

import io.vmigrate.faultrun.RequestedMigration;
import io.vmigrate.schema.common.MigrationStep;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * {@link Invariant#EVERY_MIGRATION_ENDED}: each requested migration reached DONE or ABORTED on
 * {@code migration.audit} no later than its deadline plus the grace. A rejection of the request itself
 * (audited REJECTED, or on {@code migration.rejections} as a refused migration request of that VM) also
 * ends it, and is counted apart; a refused abort does not.
 */
public final class EveryMigrationEndedCheck {

    private EveryMigrationEndedCheck() {}

    public static InvariantResult check(List<RequestedMigration> requested, List<AuditStep> audit,
            List<RecordedRejection> rejections, Duration grace) {
        Map<String, List<AuditStep>> chains = audit.stream().collect(Collectors.groupingBy(AuditStep::migrationId));
        Map<String, List<RecordedRejection>> refused = rejections.stream()
                .collect(Collectors.groupingBy(RecordedRejection::migrationId));
        Map<MigrationStep, Integer> ended = new EnumMap<>(MigrationStep.class);
        List<Violation> violations = new ArrayList<>();
        for (RequestedMigration migration : requested) {
            // A chain of another VM under this id is another migration's: this request was refused as a reused id.
            List<AuditStep> chain = chains.getOrDefault(migration.migrationId(), List.of()).stream()
                    .filter(step -> step.vmId().equals(migration.vmId()))
                    .sorted(Comparator.comparingLong(AuditStep::sequence)).toList();
            Instant limit = migration.deadline().plus(grace);
            Optional<End> end = endOf(migration, chain, refused.getOrDefault(migration.migrationId(), List.of()));
            if (end.isEmpty()) {
                violations.add(notEnded(migration, chain));
                continue;
            }
            ended.merge(end.get().step(), 1, Integer::sum);
            if (end.get().at().isAfter(limit)) {
                violations.add(new Violation(Invariant.EVERY_MIGRATION_ENDED, "migration " + migration.migrationId()
                        + " of VM " + migration.vmId() + " ended " + end.get().step() + " at " + end.get().at()
                        + ", after its deadline " + migration.deadline() + " + grace " + grace,
                        List.of(end.get().step() + " at " + end.get().record())));
            }
        }
        String summary = requested.size() + " requested: " + ended.getOrDefault(MigrationStep.DONE, 0) + " DONE, "
                + ended.getOrDefault(MigrationStep.ABORTED, 0) + " ABORTED, " + ended.getOrDefault(MigrationStep.REJECTED, 0)
                + " REJECTED (refused requests, not violations); " + violations.size() + " not ended by deadline + " + grace;
        return new InvariantResult(Invariant.EVERY_MIGRATION_ENDED, summary, violations, List.of());
    }

    private record End(MigrationStep step, Instant at, Object record) {}

    private static Optional<End> endOf(RequestedMigration migration, List<AuditStep> chain, List<RecordedRejection> refused) {
        for (AuditStep step : chain) {
            if (step.ended() || step.step() == MigrationStep.REJECTED) {
                return Optional.of(new End(step.step(), step.recordedAt(), step.at()));
            }
        }
        return refused.stream()
                .filter(rejection -> rejection.ofMigrationRequest() && rejection.vmId().equals(migration.vmId()))
                .findFirst()
                .map(rejection -> new End(MigrationStep.REJECTED, rejection.rejectedAt(), rejection.at()));
    }

    private static Violation notEnded(RequestedMigration migration, List<AuditStep> chain) {
        String what = "migration " + migration.migrationId() + " of VM " + migration.vmId() + " (" + migration.source()
                + " -> " + migration.destination() + ", deadline " + migration.deadline() + ") has not ended";
        if (chain.isEmpty()) {
            return new Violation(Invariant.EVERY_MIGRATION_ENDED, what + ": no record of it on migration.audit or "
                    + "migration.rejections", List.of());
        }
        AuditStep last = chain.get(chain.size() - 1);
        return new Violation(Invariant.EVERY_MIGRATION_ENDED, what + ": its last step is " + last.step() + " at "
                + last.recordedAt(), List.of(last.step() + " at " + last.at()));
    }
}
