package io.vmigrate.tests.security;

import io.vmigrate.schema.common.RefusalReason;
import java.util.Set;

/** What must become of one bad record: exactly one of these, per input and kind, read from the code path. */
sealed interface Fate {

    /** Set aside on the dead-letter topic by {@code component} with one of {@code reasons}; a security alert at its coordinates iff {@code alerted}. */
    record DeadLettered(String component, Set<RefusalReason> reasons, boolean alerted) implements Fate {
        static DeadLettered by(String component, RefusalReason reason, boolean alerted) {
            return new DeadLettered(component, Set.of(reason), alerted);
        }
    }

    /** Refused with a security alert naming its coordinates and {@code reason}, and nothing else: no dead letter, no action. */
    record Alerted(RefusalReason reason) implements Fate {
    }

    /**
     * Refused with a security alert of {@code reason} for {@code migrationId}, raised downstream of the input (the
     * claim step repartitions requests by migration id, so the alert names the claimed-requests topic's
     * coordinates), and no dead letter of the record.
     */
    record AlertedDownstream(RefusalReason reason, String migrationId) implements Fate {
    }

    /** A verified replay the workflow records as ignored in the audit (by the replayed message id), acting on nothing. */
    record AuditedIgnored(String messageId) implements Fate {
    }

    /** A byte-identical copy of a signed record whose effect is already in place (idempotent): no dead letter, no alert, nothing changes. */
    record Unchanged() implements Fate {
    }

    /** On {@code trust.registry}: not taken into the center's store, and counted ({@code vmigrate.registry.records.ignored}). */
    record RegistryIgnored() implements Fate {
    }
}
