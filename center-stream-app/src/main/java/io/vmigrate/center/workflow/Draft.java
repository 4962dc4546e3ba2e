package io.vmigrate.center.workflow;

import io.vmigrate.schema.center.MigrationState;
import io.vmigrate.schema.center.SentCommand;
import io.vmigrate.schema.envelope.MessageCatalogue;
import io.vmigrate.schema.common.MigrationStep;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/**
 * The machine's scratch pad for one event: a private copy of the migration's state that the
 * transitions change, and the effects collected so far. Never escapes except as an {@link Outcome}.
 */
final class Draft {

    private final MigrationState state;
    private final Instant now;
    private final MessageIds messageIds;
    private final List<Effect> effects = new ArrayList<>();

    private Draft(MigrationState state, Instant now, MessageIds messageIds) {
        this.state = state;
        this.now = now;
        this.messageIds = messageIds;
    }

    /** Works on a copy, so the caller's (stored) state is never changed by a decision. */
    static Draft of(MigrationState stored, Instant now, MessageIds messageIds) {
        return new Draft(MigrationState.newBuilder(stored).build(), now, messageIds);
    }

    MigrationState state() {
        return state;
    }

    Instant now() {
        return now;
    }

    /** Moves to {@code step} and audits that it was reached. */
    void transition(MigrationStep step, AuditNote note) {
        state.setStep(step);
        Map<String, Long> times = new HashMap<>(state.getStepTimes());
        times.put(step.name(), now.toEpochMilli());
        state.setStepTimes(times);
        effects.add(new Effect.Audit(step, note, true));
    }

    /** Audits something that happened without changing the step (an ignored reply, a retry). */
    void note(AuditNote note) {
        effects.add(new Effect.Audit(state.getStep(), note, false));
    }

    /**
     * Sends {@code body} to {@code hostId} under a fresh message id, which it returns for the audit, and
     * remembers it among the migration's sent commands (a refusal counts only if it answers one of them).
     */
    String send(String hostId, long bindingEpoch, SpecificRecord body) {
        String messageId = messageIds.next();
        effects.add(new Effect.SendCommand(messageId, state.getMigrationId(), state.getVmId(), hostId, bindingEpoch, body));
        List<SentCommand> sent = new ArrayList<>(state.getSentCommands());
        sent.add(new SentCommand(messageId, hostId, MessageCatalogue.messageTypeOf(body)));
        if (sent.size() > SentCommands.KEPT) {
            sent = new ArrayList<>(sent.subList(sent.size() - SentCommands.KEPT, sent.size()));
        }
        state.setSentCommands(sent);
        return messageId;
    }

    void add(Effect effect) {
        effects.add(effect);
    }

    Outcome keptAsCurrent() {
        return new Outcome(state, Outcome.Keep.AS_CURRENT, effects);
    }

    Outcome keptByIdOnly() {
        return new Outcome(state, Outcome.Keep.BY_ID_ONLY, effects);
    }
}
