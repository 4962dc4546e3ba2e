package io.vmigrate.center.workflow;

import io.vmigrate.schema.center.MigrationState;
import io.vmigrate.schema.common.MigrationStep;

/** What a migration's step says about it, for the machine and for whoever counts or shows migrations. */
public final class MigrationSteps {

    private MigrationSteps() {}

    public static boolean isFinal(MigrationState state) {
        MigrationStep step = state.getStep();
        return step == MigrationStep.DONE || step == MigrationStep.REJECTED || step == MigrationStep.ABORTED;
    }

    /** Committed migrations are never aborted: only the deregister remains (and is retried). */
    public static boolean isCommitted(MigrationState state) {
        MigrationStep step = state.getStep();
        return step == MigrationStep.COMMITTED || step == MigrationStep.DEREGISTER_SENT || step == MigrationStep.DONE;
    }

    public static boolean isInFlight(MigrationState state) {
        return state != null && !isFinal(state);
    }

    /** The {@code vm-keys} store key of the VM key of {@code epoch}. */
    public static String vmKeyId(String vmId, long epoch) {
        return vmId + "@" + epoch;
    }
}
