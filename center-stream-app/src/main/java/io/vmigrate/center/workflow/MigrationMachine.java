package io.vmigrate.center.workflow;

import io.vmigrate.schema.workflow.MigrationSteps;
import io.vmigrate.schema.center.MigrationState;
import io.vmigrate.schema.command.CreateTargetVm;
import io.vmigrate.schema.command.MigrateOut;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.reply.CommandRefused;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import io.vmigrate.schema.inventory.VmRegistrationRequested;
import io.vmigrate.schema.keys.KeyContexts;
import io.vmigrate.schema.request.MigrationRejected;
import io.vmigrate.schema.request.AbortRequested;
import io.vmigrate.schema.request.MigrationRequested;
import io.vmigrate.schema.request.OperatorRequestType;
import io.vmigrate.schema.serde.AvroTrust;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Objects;

/**
 * The center's workflow of PROTOCOL.md as one pure state machine: (what the center holds about a
 * VM, one event, now) to an {@link Outcome}. Every guard of the workflow is here; the Kafka
 * adapters only decode, verify signatures, look facts up and carry the effects out.
 *
 * <p>Events: an operator's request ({@link #onRequest}), a host's registration of a VM
 * ({@link #onRegistration}), a verified host reply ({@link #onReply}, see {@link HostReplyRules})
 * and the wall clock ({@link #onTick}). The only impure inputs come through the ports: the vault's
 * key mint, message ids, and which hosts are enrolled.
 */
public final class MigrationMachine {

    /** Abort retries back off to at most 2^6 times the retry interval. */
    private static final int MAX_RETRY_DOUBLINGS = 6;

    private final Duration defaultDeadline;
    private final Duration maxDeadline;
    private final Duration deregisterRetry;
    private final HostRegistry hosts;
    private final MessageIds messageIds;
    private final WorkflowSteps steps;
    private final HostReplyRules replies;

    public MigrationMachine(Duration defaultDeadline, Duration maxDeadline, Duration deregisterRetry, HostRegistry hosts,
            VmKeyMint keys, MessageIds messageIds) {
        this.defaultDeadline = Objects.requireNonNull(defaultDeadline, "defaultDeadline");
        this.maxDeadline = Objects.requireNonNull(maxDeadline, "maxDeadline");
        this.deregisterRetry = Objects.requireNonNull(deregisterRetry, "deregisterRetry");
        this.hosts = Objects.requireNonNull(hosts, "hosts");
        this.messageIds = Objects.requireNonNull(messageIds, "messageIds");
        this.steps = new WorkflowSteps(Objects.requireNonNull(keys, "keys"));
        this.replies = new HostReplyRules(steps);
        // Decisions copy Avro records (the stored state, command bodies); Avro 1.12 checks each copied
        // class against its allow list, which must know our schema packages even where no serde ran yet.
        AvroTrust.install();
    }

    /** Why a request cannot proceed. */
    private record Rejection(RefusalReason reason, String detail) {
    }

    /**
     * PROTOCOL.md step 1 and s31: a request (already checked to be keyed by its VM) is validated
     * against the binding, the registry and the VM's migration in flight, then source and destination
     * are commanded, or it is rejected: a {@code MigrationRejected} plus audit, never a silent drop.
     */
    public Outcome onRequest(VmFacts facts, MigrationRequested request, Instant now) {
        if (!MigrationIds.isValid(request.getMigrationId())) {
            return rejectedUnrecorded(request, RefusalReason.MALFORMED, "migration id must be " + MigrationIds.RULE, now);
        }
        MigrationState current = facts.migration();
        if (current != null && current.getMigrationId().equals(request.getMigrationId())) {
            // The same request again (an operator retry): its migration already exists.
            Draft draft = Draft.of(current, now, messageIds);
            draft.note(AuditNote.detail("duplicate request ignored"));
            return draft.keptAsCurrent();
        }
        MigrationState earlier = facts.migrationById(request.getMigrationId());
        if (earlier != null) {
            return rejectedUnrecorded(request, RefusalReason.REPLAYED, "migration id " + request.getMigrationId()
                    + " was already used (VM " + earlier.getVmId() + ", " + earlier.getStep()
                    + "); migration ids are never reused", now);
        }
        VmInventoryEntry binding = facts.binding();
        Instant deadline = request.getDeadline() != null ? request.getDeadline() : now.plus(defaultDeadline);
        long previousEpoch = binding == null ? -1 : binding.getBinding().getEpoch();
        String previousFingerprint = binding == null ? null : binding.getBinding().getKeyFingerprint();
        Draft draft = Draft.of(newState(request.getMigrationId(), request.getVmId(), request.getSourceHostId(),
                request.getDestinationHostId(), request.getRequestedBy(), false, now, deadline, previousEpoch,
                previousFingerprint, null), now, messageIds);
        draft.transition(MigrationStep.REQUESTED, AuditNote.none());

        Rejection refusal = validate(request, binding, current, now, deadline);
        if (refusal != null) {
            return reject(draft, current, refusal);
        }
        MigrationState state = draft.state();
        MigrateOut migrateOut = MigrateOut.newBuilder()
                .setMigrationId(state.getMigrationId())
                .setVmId(state.getVmId())
                .setDestinationHostId(state.getDestinationHostId())
                .setDeadline(deadline)
                .build();
        CreateTargetVm createTarget = CreateTargetVm.newBuilder()
                .setMigrationId(state.getMigrationId())
                .setVmId(state.getVmId())
                .setSourceHostId(state.getSourceHostId())
                .setDeadline(deadline)
                .build();
        String toSource = draft.send(state.getSourceHostId(), previousEpoch, migrateOut);
        String toDestination = draft.send(state.getDestinationHostId(), previousEpoch, createTarget);
        draft.transition(MigrationStep.COMMANDED,
                AuditNote.message(toSource, "MigrateOut " + toSource + ", CreateTargetVm " + toDestination));
        return draft.keptAsCurrent();
    }

    private Rejection validate(MigrationRequested request, VmInventoryEntry binding, MigrationState current,
            Instant now, Instant deadline) {
        String source = request.getSourceHostId();
        String destination = request.getDestinationHostId();
        if (deadline.isAfter(now.plus(maxDeadline))) {
            return new Rejection(RefusalReason.MALFORMED, "deadline " + deadline + " is more than " + maxDeadline
                    + " away; the center allows at most that");
        }
        if (binding == null) {
            return new Rejection(RefusalReason.VM_UNKNOWN, "VM " + request.getVmId() + " has no binding");
        }
        if (MigrationSteps.isInFlight(current)) {
            return new Rejection(RefusalReason.MIGRATION_IN_FLIGHT,
                    "migration " + current.getMigrationId() + " of this VM is in step " + current.getStep());
        }
        if (current != null && !current.getAbortPendingHosts().isEmpty()) {
            // The destination may still run a copy with the aborted epoch's key: not moved again until it confirms.
            return new Rejection(RefusalReason.MIGRATION_IN_FLIGHT, "the abort of migration " + current.getMigrationId()
                    + " is not yet acknowledged by " + String.join(", ", current.getAbortPendingHosts()));
        }
        if (source.equals(destination)) {
            return new Rejection(RefusalReason.SAME_SOURCE_AND_DESTINATION, "source and destination are both " + source);
        }
        if (!binding.getBinding().getHostId().equals(source)) {
            return new Rejection(RefusalReason.VM_NOT_BOUND_TO_SOURCE,
                    "VM is bound to " + binding.getBinding().getHostId() + ", not " + source);
        }
        if (!hosts.isEnrolled(source)) {
            return new Rejection(RefusalReason.SOURCE_NOT_ENROLLED, "source " + source + " is not enrolled");
        }
        if (!hosts.isEnrolled(destination)) {
            return new Rejection(RefusalReason.DESTINATION_NOT_ENROLLED, "destination " + destination + " is not enrolled");
        }
        if (!deadline.isAfter(now)) {
            return new Rejection(RefusalReason.DEADLINE_PASSED, "deadline " + deadline + " has already passed");
        }
        return null;
    }

    /**
     * Rejected without a state or an audit record under the request's id: that id is unusable (malformed)
     * or its audit chain belongs to an earlier migration. Alerted, since no honest client sends either.
     */
    private static Outcome rejectedUnrecorded(MigrationRequested request, RefusalReason reason, String detail, Instant now) {
        String migrationId = request.getMigrationId() == null ? "" : request.getMigrationId();
        return Outcome.untouched(new Effect.Reject(MigrationRejected.newBuilder().setMigrationId(migrationId)
                        .setVmId(request.getVmId()).setReason(reason).setDetail(detail).setRejectedAt(now).build()),
                new Effect.Alert(reason, detail, null, migrationId, request.getVmId(), null));
    }

    private static Outcome reject(Draft draft, MigrationState current, Rejection refusal) {
        MigrationState state = draft.state();
        state.setOutcomeReason(refusal.reason());
        state.setOutcomeDetail(refusal.detail());
        draft.transition(MigrationStep.REJECTED, AuditNote.refusal(refusal.reason(), refusal.detail(), null));
        draft.add(new Effect.Reject(MigrationRejected.newBuilder()
                .setMigrationId(state.getMigrationId())
                .setVmId(state.getVmId())
                .setReason(refusal.reason())
                .setDetail(refusal.detail())
                .setRejectedAt(draft.now())
                .build()));
        // Keep the outcome queryable, but never replace a migration still in flight or awaiting abort acknowledgements.
        boolean keepCurrent = MigrationSteps.isInFlight(current) || (current != null && !current.getAbortPendingHosts().isEmpty());
        return keepCurrent ? draft.keptByIdOnly() : draft.keptAsCurrent();
    }

    /**
     * Enrollment step 5: a VM already on an enrolled host gets its epoch-0 key (migration id
     * {@code register:<vmId>}); the binding is written when the host's secure zone reports it
     * installed. A registration for a host not enrolled yet waits for it (see {@link #onTick}).
     */
    public Outcome onRegistration(VmFacts facts, VmRegistrationRequested registration, Instant now) {
        String vmId = registration.getVmId();
        String hostId = registration.getHostId();
        VmInventoryEntry binding = facts.binding();
        if (binding != null) {
            String boundTo = binding.getBinding().getHostId();
            if (boundTo.equals(hostId)) {
                return Outcome.untouched(new Effect.LogOnly("vm " + vmId + " registration by " + hostId
                        + ": already bound (epoch " + binding.getBinding().getEpoch() + "); nothing to do"));
            }
            String detail = "host " + hostId + " registers VM " + vmId + ", which is bound to " + boundTo;
            return Outcome.untouched(new Effect.DeadLetterInput(RefusalReason.BINDING_MISMATCH, detail),
                    new Effect.Alert(RefusalReason.BINDING_MISMATCH, detail, hostId, null, vmId, null));
        }
        MigrationState current = facts.migration();
        if (MigrationSteps.isInFlight(current)) {
            return Outcome.untouched(new Effect.LogOnly("vm " + vmId + " registration by " + hostId + ": "
                    + current.getMigrationId() + " already in step " + current.getStep() + "; ignored"));
        }
        Draft draft = Draft.of(newState(KeyContexts.registrationMigrationId(vmId), vmId, hostId, hostId,
                registration.getRequestedBy(), true, now, now.plus(defaultDeadline), -1, null, current), now, messageIds);
        draft.add(new Effect.HoldRegistration(registration));
        draft.transition(MigrationStep.REQUESTED, AuditNote.detail("registration of VM " + vmId + " on " + hostId));
        if (hosts.isEnrolled(hostId)) {
            steps.deliverKey(draft, null);
        }
        return draft.keptAsCurrent();
    }

    /**
     * An operator's verified abort of {@code migrationId}: before commit it takes the abort path a
     * passed deadline takes (both hosts told, binding untouched); after commit, after the end, or for
     * a migration that is not the VM's current one it is refused with a reason, and nothing changes.
     */
    public Outcome onAbortRequest(VmFacts facts, AbortRequested abort, String requestId, String requestedBy, Instant now) {
        MigrationState state = facts.migration();
        String migrationId = abort.getMigrationId();
        String vmId = abort.getVmId();
        if (state == null || !state.getMigrationId().equals(migrationId)) {
            return refuseAbort(requestId, migrationId, vmId, RefusalReason.MIGRATION_UNKNOWN,
                    "VM " + vmId + " has no migration " + migrationId + " in flight", now);
        }
        if (MigrationSteps.isFinal(state) && !MigrationSteps.isCommitted(state)) {
            return refuseAbort(requestId, migrationId, vmId, RefusalReason.MIGRATION_UNKNOWN,
                    "migration " + migrationId + " already ended in step " + state.getStep(), now);
        }
        if (MigrationSteps.isCommitted(state) || state.getRegistration()) {
            return refuseAbort(requestId, migrationId, vmId, RefusalReason.ALREADY_COMMITTED,
                    "migration " + migrationId + " is in step " + state.getStep() + "; only an uncommitted migration aborts",
                    now);
        }
        Draft draft = Draft.of(state, now, messageIds);
        steps.abort(draft, RefusalReason.OPERATOR_ABORT, "aborted by operator " + requestedBy + " (request " + requestId + ")",
                null);
        return draft.keptAsCurrent();
    }

    private static Outcome refuseAbort(String requestId, String migrationId, String vmId, RefusalReason reason,
            String detail, Instant now) {
        return Outcome.untouched(new Effect.Reject(MigrationRejected.newBuilder()
                .setMigrationId(migrationId)
                .setVmId(vmId)
                .setReason(reason)
                .setDetail("abort refused: " + detail)
                .setRejectedAt(now)
                .setRequestId(requestId)
                .setRequestType(OperatorRequestType.ABORT_REQUESTED)
                .build()));
    }

    /** s31-s37: what a verified host reply does to the VM's migration. */
    public Outcome onReply(VmFacts facts, VerifiedReply reply, Instant now) {
        MigrationState state = facts.migration();
        if (state == null) {
            return Outcome.untouched(new Effect.LogOnly("reply " + reply.type() + " " + reply.messageId() + " for VM "
                    + reply.vmId() + ": the center knows no migration of that VM; ignored"));
        }
        if (!state.getMigrationId().equals(reply.migrationId())) {
            Draft draft = Draft.of(state, now, messageIds);
            steps.ignore(draft, reply, "it names migration " + reply.migrationId());
            return draft.keptAsCurrent();
        }
        if (!HostReplyRules.fromTheRightParty(state, reply)) {
            // Signed by an enrolled host, but not one this reply may come from: treated as a forgery.
            String detail = reply.type() + " from " + reply.hostId() + ", which is not the expected party of migration "
                    + state.getMigrationId();
            return Outcome.untouched(new Effect.DeadLetterInput(RefusalReason.WRONG_HOST, detail),
                    new Effect.Alert(RefusalReason.WRONG_HOST, detail, reply.hostId(), reply.migrationId(), reply.vmId(),
                            reply.messageId()));
        }
        if (reply.type() == MessageType.COMMAND_REFUSED) {
            CommandRefused refused = reply.body(CommandRefused.class);
            if (!SentCommands.answers(state, refused.getCommandMessageId(), refused.getCommandType(), reply.hostId())) {
                String detail = "refusal from " + reply.hostId() + " of " + refused.getCommandType() + " "
                        + refused.getCommandMessageId() + ", which the center did not send it in migration "
                        + state.getMigrationId();
                return Outcome.untouched(new Effect.DeadLetterInput(RefusalReason.WRONG_HOST, detail),
                        new Effect.Alert(RefusalReason.WRONG_HOST, detail, reply.hostId(), reply.migrationId(),
                                reply.vmId(), reply.messageId()));
            }
        }
        Draft draft = Draft.of(state, now, messageIds);
        if (deadlinePassed(state, now)) {
            // The tick may not have fired yet: a completion that arrives late must not commit (PROTOCOL rule 3).
            steps.abort(draft, RefusalReason.DEADLINE_PASSED, "not committed by the deadline " + state.getDeadline()
                    + "; " + reply.type() + " " + reply.messageId() + " came after it", reply.messageId());
            return draft.keptAsCurrent();
        }
        replies.apply(draft, facts, reply);
        return draft.keptAsCurrent();
    }

    /**
     * Whether an in-flight migration must abort because its deadline passed before it committed. A registration
     * whose key was delivered is not aborted by the clock: the host may have installed the key (its answer only
     * late), and an abort would leave the VM unbound with an unbound key in its zone. It ends on the host's answer:
     * installed (bound) or refused (aborted; the agent asks again).
     */
    private static boolean deadlinePassed(MigrationState state, Instant now) {
        boolean awaitingHostInstall = state.getRegistration() && state.getStep() == MigrationStep.KEY_DELIVERED;
        return MigrationSteps.isInFlight(state) && !MigrationSteps.isCommitted(state) && !awaitingHostInstall
                && now.isAfter(state.getDeadline());
    }

    /**
     * Wall-clock housekeeping of one migration: aborts it if not committed by its deadline (binding
     * untouched; not a registration whose key was delivered), re-sends an unacknowledged deregister every retry interval, and delivers the key of
     * a registration whose host has been enrolled since.
     */
    public Outcome onTick(VmFacts facts, Instant now) {
        MigrationState state = facts.migration();
        if (state != null && state.getStep() == MigrationStep.ABORTED && !state.getAbortPendingHosts().isEmpty()) {
            return abortRetry(state, now);
        }
        if (!MigrationSteps.isInFlight(state)) {
            return Outcome.untouched();
        }
        Draft draft = Draft.of(state, now, messageIds);
        if (deadlinePassed(state, now)) {
            steps.abort(draft, RefusalReason.DEADLINE_PASSED, "not committed by the deadline " + state.getDeadline(), null);
            return draft.keptAsCurrent();
        }
        if (state.getStep() == MigrationStep.DEREGISTER_SENT && state.getLastDeregisterAt() != null
                && !now.isBefore(state.getLastDeregisterAt().plus(deregisterRetry))) {
            steps.sendDeregister(draft, true);
            return draft.keptAsCurrent();
        }
        if (state.getRegistration() && state.getStep() == MigrationStep.REQUESTED
                && hosts.isEnrolled(state.getDestinationHostId())) {
            steps.deliverKey(draft, null);
            return draft.keptAsCurrent();
        }
        return Outcome.untouched();
    }

    /**
     * An aborted migration some host has not acknowledged: a host no longer enrolled (retired) is
     * given up on, the others get a fresh abort once the retry interval, doubled per attempt up to
     * {@value #MAX_RETRY_DOUBLINGS} times, has passed.
     */
    private Outcome abortRetry(MigrationState state, Instant now) {
        Draft draft = Draft.of(state, now, messageIds);
        boolean changed = false;
        for (String host : state.getAbortPendingHosts()) {
            if (!hosts.isEnrolled(host)) {
                steps.abortSettled(draft, host);
                draft.note(AuditNote.detail("abort no longer awaited from " + host + ": it is not enrolled"));
                changed = true;
            }
        }
        MigrationState next = draft.state();
        Duration wait = deregisterRetry.multipliedBy(1L << Math.min(MAX_RETRY_DOUBLINGS, Math.max(0, next.getAbortAttempts() - 1)));
        if (!next.getAbortPendingHosts().isEmpty() && next.getLastAbortAt() != null
                && !now.isBefore(next.getLastAbortAt().plus(wait))) {
            steps.resendAbort(draft);
            changed = true;
        }
        return changed ? draft.keptAsCurrent() : Outcome.untouched();
    }

    /** A fresh state; continues the audit chain of {@code previous} when it is the same migration id. */
    private static MigrationState newState(String migrationId, String vmId, String sourceHostId,
            String destinationHostId, String requestedBy, boolean registration, Instant now, Instant deadline,
            long previousEpoch, String previousKeyFingerprint, MigrationState previous) {
        MigrationState state = MigrationState.newBuilder()
                .setMigrationId(migrationId)
                .setVmId(vmId)
                .setSourceHostId(sourceHostId)
                .setDestinationHostId(destinationHostId)
                .setRequestedBy(requestedBy)
                .setRegistration(registration)
                .setStep(MigrationStep.REQUESTED)
                .setRequestedAt(now)
                .setDeadline(deadline)
                .setPreviousEpoch(previousEpoch)
                .setNewEpoch(previousEpoch + 1)
                .setPreviousKeyFingerprint(previousKeyFingerprint)
                .setStepTimes(new HashMap<>())
                .setAuditSequence(0L)
                .setLastAuditHash(ByteBuffer.allocate(0))
                .build();
        if (previous != null && previous.getMigrationId().equals(migrationId)) {
            state.setAuditSequence(previous.getAuditSequence());
            state.setLastAuditHash(previous.getLastAuditHash());
        }
        return state;
    }
}
