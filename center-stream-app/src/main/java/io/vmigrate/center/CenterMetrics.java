package io.vmigrate.center;

import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.common.RefusalReason;
import java.time.Duration;

/**
 * The one place where the center's processors report what they did, so the topology stays free of
 * a metrics library ({@link #NONE} in topology tests, {@link MicrometerCenterMetrics} in production).
 * Counts are per processed record: a record re-processed after a crash may be counted twice.
 */
public interface CenterMetrics {

    /** A migration (or registration) reached {@code step}, {@code sinceRequest} after it was requested. */
    void stepReached(MigrationStep step, boolean registration, Duration sinceRequest);

    /** A migration ended in DONE, ABORTED or REJECTED. */
    void migrationEnded(MigrationStep outcome, boolean registration);

    /** A request was rejected ({@code stage} "rejected") or a migration aborted ({@code stage} "aborted") for {@code reason}. */
    void refusal(String stage, RefusalReason reason);

    /** A record went to the dead-letter topic. */
    void deadLetter(RefusalReason reason);

    /** A security alert was published. */
    void securityAlert(RefusalReason reason);

    /**
     * A {@code trust.registry} record changed nothing the center trusts ({@code why}: tombstone, undecodable,
     * not-center-signed, ...). The global store's processor cannot dead-letter, so this count is its trace.
     */
    default void registryRecordIgnored(String why) {
    }

    /** The center republished its current entry for a registry key that another record contested. */
    default void registryEntryReasserted() {
    }

    /** Records nothing. */
    CenterMetrics NONE = new CenterMetrics() {
        @Override
        public void stepReached(MigrationStep step, boolean registration, Duration sinceRequest) {
        }

        @Override
        public void migrationEnded(MigrationStep outcome, boolean registration) {
        }

        @Override
        public void refusal(String stage, RefusalReason reason) {
        }

        @Override
        public void deadLetter(RefusalReason reason) {
        }

        @Override
        public void securityAlert(RefusalReason reason) {
        }
    };
}
