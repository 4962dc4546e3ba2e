package io.vmigrate.center;

import io.vmigrate.schema.center.MigrationState;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.common.RefusalReason;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.Punctuator;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wall-clock housekeeping of one task's migrations: aborts those not committed by their deadline
 * (AbortMigration to both hosts, binding untouched, audit ABORTED / DEADLINE_PASSED), re-sends
 * unacknowledged deregisters every retry interval, and delivers the key of a registration whose
 * host has been enrolled since.
 */
final class DeadlinePunctuator implements Punctuator {

    private static final Logger LOG = LoggerFactory.getLogger(DeadlinePunctuator.class);

    private final MigrationWorkflow workflow;

    DeadlinePunctuator(MigrationWorkflow workflow) {
        this.workflow = workflow;
    }

    @Override
    public void punctuate(long timestamp) {
        Instant now = workflow.now();
        Duration retry = workflow.services().settings().deregisterRetry();
        List<MigrationState> due = new ArrayList<>();
        try (KeyValueIterator<String, MigrationState> all = workflow.migrations().all()) {
            all.forEachRemaining(entry -> {
                if (MigrationWorkflow.isInFlight(entry.value)) {
                    due.add(entry.value);
                }
            });
        }
        for (MigrationState state : due) {
            try {
                if (act(state, now, retry)) {
                    workflow.save(state);
                }
            } catch (RuntimeException e) {
                // One broken migration must not stop the others' deadlines; it is retried next time.
                LOG.error("punctuation failed for migration {} vm {}", state.getMigrationId(), state.getVmId(), e);
            }
        }
    }

    private boolean act(MigrationState state, Instant now, Duration retry) {
        if (!MigrationWorkflow.isCommitted(state) && now.isAfter(state.getDeadline())) {
            workflow.abort(state, RefusalReason.DEADLINE_PASSED,
                    "not committed by the deadline " + state.getDeadline(), null);
            return true;
        }
        if (state.getStep() == MigrationStep.DEREGISTER_SENT && state.getLastDeregisterAt() != null
                && !now.isBefore(state.getLastDeregisterAt().plus(retry))) {
            workflow.sendDeregister(state, true);
            return true;
        }
        if (state.getRegistration() && state.getStep() == MigrationStep.REQUESTED
                && workflow.directory().isEnrolled(state.getDestinationHostId())) {
            workflow.deliverKey(state, null);
            return true;
        }
        return false;
    }
}
