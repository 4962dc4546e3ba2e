package io.vmigrate.faultrun.invariants;

import io.vmigrate.faultrun.InjectedFault;
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
 *
 * <p>The deadline governs a migration before its commit only (PROTOCOL rule 3): one that committed must have
 * committed by its deadline, and after that the center retries the deregister until the source acknowledges
 * it. So a committed migration may end later, but only as late as the faults that kept its source from
 * answering: its limit is the grace after the deadline, or after the restoration of every injected fault that
 * struck its source host or the whole system while it waited, whichever is later.
 */
public final class EveryMigrationEndedCheck {

    private EveryMigrationEndedCheck() {}

    public static InvariantResult check(List<RequestedMigration> requested, List<AuditStep> audit,
            List<RecordedRejection> rejections, List<InjectedFault> faults, Duration grace) {
        List<InjectedFault> byStart = faults.stream().sorted(Comparator.comparing(InjectedFault::injectedAt)).toList();
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
            Optional<AuditStep> commit = chain.stream().filter(step -> step.step() == MigrationStep.COMMITTED).findFirst();
            if (commit.isPresent() && commit.get().recordedAt().isAfter(migration.deadline())) {
                violations.add(new Violation(Invariant.EVERY_MIGRATION_ENDED, "migration " + migration.migrationId()
                        + " of VM " + migration.vmId() + " committed at " + commit.get().recordedAt()
                        + ", after its deadline " + migration.deadline(), List.of("COMMITTED at " + commit.get().at())));
            }
            Instant limit = commit.map(step -> limitAfterCommit(migration, step, byStart, grace))
                    .orElse(migration.deadline().plus(grace));
            Optional<End> end = endOf(migration, chain, refused.getOrDefault(migration.migrationId(), List.of()));
            if (end.isEmpty()) {
                violations.add(notEnded(migration, chain));
                continue;
            }
            ended.merge(end.get().step(), 1, Integer::sum);
            if (end.get().at().isAfter(limit)) {
                violations.add(new Violation(Invariant.EVERY_MIGRATION_ENDED, "migration " + migration.migrationId()
                        + " of VM " + migration.vmId() + " ended " + end.get().step() + " at " + end.get().at()
                        + ", after its limit " + limit + " (deadline " + migration.deadline() + " + grace " + grace
                        + (commit.isPresent() ? ", later by the faults on its source after its commit" : "") + ")",
                        List.of(end.get().step() + " at " + end.get().record())));
            }
        }
        String summary = requested.size() + " requested: " + ended.getOrDefault(MigrationStep.DONE, 0) + " DONE, "
                + ended.getOrDefault(MigrationStep.ABORTED, 0) + " ABORTED, " + ended.getOrDefault(MigrationStep.REJECTED, 0)
                + " REJECTED (refused requests, not violations); " + violations.size() + " not ended by deadline + " + grace;
        return new InvariantResult(Invariant.EVERY_MIGRATION_ENDED, summary, violations, List.of());
    }

    /**
     * The grace after the later of the deadline and the restoration of each fault on the source host (or on the
     * whole system) that was in force at some point between the commit and the limit found so far.
     */
    private static Instant limitAfterCommit(RequestedMigration migration, AuditStep commit, List<InjectedFault> byStart,
            Duration grace) {
        Instant waitedUntil = migration.deadline().isAfter(commit.recordedAt()) ? migration.deadline() : commit.recordedAt();
        for (InjectedFault fault : byStart) {
            boolean strikesIt = fault.host().map(host -> host.equals(migration.source())).orElse(true);
            // waitedUntil is never before the commit, so a fault restored after it was in force after the commit.
            if (strikesIt && !fault.injectedAt().isAfter(waitedUntil.plus(grace)) && fault.restoredAt().isAfter(waitedUntil)) {
                waitedUntil = fault.restoredAt();
            }
        }
        return waitedUntil.plus(grace);
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
