package io.vmigrate.schema.workflow;

import io.vmigrate.schema.center.MigrationState;
import io.vmigrate.schema.common.MigrationStep;

/**
 * What every party reads from a {@link MigrationStep} the same way: the center's workflow, its
 * status API, the CLI that waits for an outcome and the forensic replay.
 */
public final class MigrationSteps {

    private MigrationSteps() {}

    /** DONE, ABORTED and REJECTED end a migration: nothing is acted on after them. */
    public static boolean isFinal(MigrationStep step) {
        switch (step) {
            case DONE:
            case ABORTED:
            case REJECTED:
                return true;
            default:
                return false;
        }
    }

    /** From COMMITTED on the binding has moved: a migration is never aborted, only its deregister remains. */
    public static boolean isCommitted(MigrationStep step) {
        switch (step) {
            case COMMITTED:
            case DEREGISTER_SENT:
            case DONE:
                return true;
            default:
                return false;
        }
    }

    public static boolean isFinal(MigrationState state) {
        return isFinal(state.getStep());
    }

    public static boolean isCommitted(MigrationState state) {
        return isCommitted(state.getStep());
    }

    /** A migration exists and has not ended. */
    public static boolean isInFlight(MigrationState state) {
        return state != null && !isFinal(state.getStep());
    }
}
