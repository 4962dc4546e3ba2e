package io.vmigrate.center.workflow;

import io.vmigrate.schema.center.MigrationState;
import io.vmigrate.schema.center.SentCommand;
import io.vmigrate.schema.common.MessageType;

/**
 * The commands the center sent in a migration, as the state remembers them. A host's refusal is
 * acted on only if it answers one of these, sent to that host, of the type it names: the zone signs
 * refusals, but a refusal of a command the center never sent is a forgery or a stray and aborts nothing.
 */
final class SentCommands {

    /** Enough for every command of a migration and its retries; an older one's refusal no longer matters. */
    static final int KEPT = 64;

    private SentCommands() {}

    static boolean answers(MigrationState state, String commandMessageId, MessageType commandType, String hostId) {
        for (SentCommand sent : state.getSentCommands()) {
            if (sent.getMessageId().equals(commandMessageId)) {
                return sent.getHostId().equals(hostId) && sent.getMessageType() == commandType;
            }
        }
        return false;
    }
}
