package io.vmigrate.center.workflow;

import io.vmigrate.schema.center.VaultedVmKey;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import io.vmigrate.schema.inventory.VmRegistrationRequested;
import io.vmigrate.schema.request.MigrationRejected;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;

/**
 * One thing the {@link MigrationMachine} decided should happen; the Kafka adapter carries it out,
 * in the order of {@link Outcome#effects()}.
 */
public sealed interface Effect {

    /** Seal {@code body} with the center key under {@code messageId} and send it to {@code hostId}'s command topic. */
    record SendCommand(String messageId, String migrationId, String vmId, String hostId, long bindingEpoch,
            SpecificRecord body) implements Effect {
        public SendCommand {
            Objects.requireNonNull(messageId, "messageId");
            Objects.requireNonNull(hostId, "hostId");
            Objects.requireNonNull(body, "body");
        }
    }

    /**
     * Append an audit record of the outcome's migration with {@code step}; a {@code transition} is a
     * step reached (counted in the metrics), otherwise a note in the current step.
     */
    record Audit(MigrationStep step, AuditNote note, boolean transition) implements Effect {
    }

    /** The VM's binding changes: stored and published to the inventory. */
    record CommitBinding(VmInventoryEntry entry) implements Effect {
    }

    /** A VM key of the new epoch, under the vault's KEK, is kept in {@code vm-keys}. */
    record StoreVmKey(String keyId, VaultedVmKey key) implements Effect {
    }

    /** A VM key is no longer needed (retired after DONE, or minted for a migration that aborted). */
    record DropVmKey(String keyId) implements Effect {
    }

    /** A registration waits in {@code registrations} for its first binding. */
    record HoldRegistration(VmRegistrationRequested registration) implements Effect {
    }

    /** The VM's registration is answered (bound or aborted). */
    record ReleaseRegistration(String vmId) implements Effect {
    }

    /** The request is answered on {@code migration.rejections}. */
    record Reject(MigrationRejected rejection) implements Effect {
    }

    /** A {@code SecurityAlert}. */
    record Alert(RefusalReason reason, String detail, String hostId, String migrationId, String vmId, String messageId)
            implements Effect {
    }

    /** The input record (verified, but not acceptable) goes to the dead-letter topic. */
    record DeadLetterInput(RefusalReason reason, String detail) implements Effect {
    }

    /** Nothing to record in any store or topic: the adapter only logs why the input was left alone. */
    record LogOnly(String why) implements Effect {
    }
}
