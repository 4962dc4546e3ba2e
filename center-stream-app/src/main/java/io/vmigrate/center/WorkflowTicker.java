package io.vmigrate.center;

import io.vmigrate.center.workflow.Outcome;
import io.vmigrate.schema.center.MigrationState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.Punctuator;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workflow's wall clock: on every punctuation each of the task's migrations is shown the time
 * (the machine aborts those past their deadline, retries unacknowledged deregisters and delivers
 * the key of registrations whose host has enrolled since); what it decides is then carried out. Then the
 * migrations finished longer ago than the retention are forgotten by id.
 */
final class WorkflowTicker implements Punctuator {

    private static final Logger LOG = LoggerFactory.getLogger(WorkflowTicker.class);

    private final WorkflowAdapter workflow;

    WorkflowTicker(WorkflowAdapter workflow) {
        this.workflow = workflow;
    }

    @Override
    public void punctuate(long timestamp) {
        Instant now = workflow.now();
        // Decided while scanning, carried out after: the store is not written under its open iterator.
        List<KeyValue<MigrationState, Outcome>> due = new ArrayList<>();
        try (KeyValueIterator<String, MigrationState> all = workflow.migrations().all()) {
            all.forEachRemaining(entry -> {
                try {
                    Outcome outcome = workflow.machine().onTick(workflow.facts(entry.key, entry.value), now);
                    if (!outcome.isEmpty()) {
                        due.add(KeyValue.pair(entry.value, outcome));
                    }
                } catch (RuntimeException e) {
                    failed(entry.value, e);
                }
            });
        }
        for (KeyValue<MigrationState, Outcome> migration : due) {
            try {
                workflow.apply(migration.value);
            } catch (RuntimeException e) {
                failed(migration.key, e);
            }
        }
        try {
            workflow.forgetFinishedMigrations(now);
        } catch (RuntimeException e) {
            // Forgetting is housekeeping: it is tried again at the next punctuation.
            LOG.error("forgetting finished migrations failed", e);
        }
    }

    private static void failed(MigrationState state, RuntimeException e) {
        // One broken migration must not stop the others' deadlines; it is retried next time.
        LOG.error("punctuation failed for migration {} vm {}", state.getMigrationId(), state.getVmId(), e);
    }
}
