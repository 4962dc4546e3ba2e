package io.vmigrate.center;

import io.vmigrate.center.workflow.Effect;
import io.vmigrate.center.workflow.MigrationMachine;
import io.vmigrate.center.workflow.Outcome;
import io.vmigrate.center.workflow.VmFacts;
import io.vmigrate.schema.center.MigrationState;
import io.vmigrate.schema.center.VaultedVmKey;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.Addressing;
import io.vmigrate.schema.envelope.EnvelopeSealer;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import io.vmigrate.schema.inventory.VmRegistrationRequested;
import io.vmigrate.schema.registry.TrustRegistryEntry;
import io.vmigrate.schema.workflow.MigrationSteps;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.function.BiConsumer;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka side of the {@link MigrationMachine} for the processors of the VM-keyed sub-topology:
 * the stores it reads facts from, and how each {@link Effect} is carried out (sealed commands,
 * signed audit records, store writes, outputs). One instance per processor, i.e. per task and thread.
 */
final class WorkflowAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(WorkflowAdapter.class);
    /** At most this many finished migrations are forgotten per punctuation, so a backlog never stalls the task. */
    static final int MAX_FORGOTTEN_PER_TICK = 1_000;

    private final ProcessorContext<Object, Object> context;
    private final int partitions;
    private final Clock clock;
    private final Duration commandTtl;
    private final KeyValueStore<String, MigrationState> migrations;
    private final KeyValueStore<String, MigrationState> migrationsById;
    private final RetentionIndex finishedMigrations;
    private final Duration migrationRetention;
    private final KeyValueStore<String, VmInventoryEntry> bindings;
    private final KeyValueStore<String, VaultedVmKey> vmKeys;
    private final KeyValueStore<String, VmRegistrationRequested> registrations;
    private final HostDirectory directory;
    private final CenterOutputs outputs;
    private final AuditWriter audit;
    private final EnvelopeSealer sealer;
    private final MigrationMachine machine;

    WorkflowAdapter(ProcessorContext<Object, Object> context, CenterServices services) {
        this.context = context;
        this.partitions = services.settings().workflowPartitions();
        this.clock = services.clock();
        this.commandTtl = services.settings().commandTtl();
        this.migrations = context.getStateStore(CenterTopology.MIGRATIONS_STORE);
        this.migrationsById = context.getStateStore(CenterTopology.MIGRATIONS_BY_ID_STORE);
        this.finishedMigrations = new RetentionIndex(context.getStateStore(CenterTopology.FINISHED_MIGRATIONS_STORE));
        this.migrationRetention = services.settings().migrationRetention();
        this.bindings = context.getStateStore(CenterTopology.BINDINGS_STORE);
        this.vmKeys = context.getStateStore(CenterTopology.VM_KEYS_STORE);
        this.registrations = context.getStateStore(CenterTopology.REGISTRATIONS_STORE);
        ReadOnlyKeyValueStore<String, TrustRegistryEntry> registry = context.getStateStore(CenterTopology.TRUST_REGISTRY_STORE);
        this.directory = new HostDirectory(registry, services.crypto());
        this.outputs = new CenterOutputs(context, CenterTopology.WORKFLOW_SINKS, clock, services.metrics());
        this.audit = new AuditWriter(services.vault().signer(), services.crypto().digest(), outputs, clock,
                services.metrics());
        this.sealer = new EnvelopeSealer(services.vault().signer(), clock, services.settings().commandTtl());
        this.machine = new MigrationMachine(services.settings().defaultDeadline(), services.settings().maxDeadline(),
                services.settings().deregisterRetry(),
                directory::isEnrolled, new VaultKeyMint(services.vault(), directory), () -> UUID.randomUUID().toString());
    }

    /** Why the record being processed is on the wrong partition for its key, or null ({@link KeyPlacement}). */
    String misplaced(String key) {
        return KeyPlacement.misplaced(key, context.recordMetadata(), partitions);
    }

    MigrationMachine machine() {
        return machine;
    }

    HostDirectory directory() {
        return directory;
    }

    CenterOutputs outputs() {
        return outputs;
    }

    KeyValueStore<String, MigrationState> migrations() {
        return migrations;
    }

    Instant now() {
        return clock.instant();
    }

    /** What the stores hold about {@code vmId}, read when the machine asks. */
    VmFacts facts(String vmId) {
        return new StoredFacts(vmId, null);
    }

    /** As {@link #facts(String)}, with the migration already read (by the ticker's scan). */
    VmFacts facts(String vmId, MigrationState migration) {
        return new StoredFacts(vmId, migration);
    }

    private final class StoredFacts implements VmFacts {
        private final String vmId;
        private final MigrationState migration;

        StoredFacts(String vmId, MigrationState migration) {
            this.vmId = vmId;
            this.migration = migration;
        }

        @Override
        public MigrationState migration() {
            return migration != null ? migration : migrations.get(vmId);
        }

        @Override
        public VmInventoryEntry binding() {
            return bindings.get(vmId);
        }

        @Override
        public VmRegistrationRequested pendingRegistration() {
            return registrations.get(vmId);
        }

        @Override
        public MigrationState migrationById(String migrationId) {
            return migrationsById.get(migrationId);
        }
    }

    /**
     * Carries {@code outcome} out in order, then keeps its state; {@code deadLetter} sends the input
     * record being processed to the dead-letter topic (only a host reply's outcome asks for that).
     */
    void apply(Outcome outcome, BiConsumer<RefusalReason, String> deadLetter) {
        MigrationState next = outcome.next();
        for (Effect effect : outcome.effects()) {
            if (effect instanceof Effect.SendCommand command) {
                send(command);
            } else if (effect instanceof Effect.Audit entry) {
                audit.append(next, entry);
            } else if (effect instanceof Effect.CommitBinding binding) {
                bindings.put(binding.entry().getBinding().getVmId(), binding.entry());
                outputs.inventory(binding.entry());
            } else if (effect instanceof Effect.StoreVmKey key) {
                vmKeys.put(key.keyId(), key.key());
            } else if (effect instanceof Effect.DropVmKey key) {
                vmKeys.delete(key.keyId());
            } else if (effect instanceof Effect.HoldRegistration registration) {
                registrations.put(registration.registration().getVmId(), registration.registration());
            } else if (effect instanceof Effect.ReleaseRegistration registration) {
                registrations.delete(registration.vmId());
            } else if (effect instanceof Effect.Reject rejection) {
                outputs.rejection(rejection.rejection());
            } else if (effect instanceof Effect.Alert alert) {
                outputs.alert(alert.reason(), alert.detail(), alert.hostId(), alert.migrationId(), alert.vmId(),
                        alert.messageId());
            } else if (effect instanceof Effect.DeadLetterInput refused) {
                deadLetter.accept(refused.reason(), refused.detail());
            } else if (effect instanceof Effect.LogOnly log) {
                LOG.info("{} (at {})", log.why(), outputs.coordinates());
            } else {
                throw new IllegalStateException("unknown effect " + effect);
            }
        }
        switch (outcome.keep()) {
            case AS_CURRENT -> {
                migrations.put(next.getVmId(), next);
                migrationsById.put(next.getMigrationId(), next);
            }
            case BY_ID_ONLY -> migrationsById.put(next.getMigrationId(), next);
            case NOTHING -> { }
        }
        if (outcome.keep() != Outcome.Keep.NOTHING && MigrationSteps.isFinal(next)) {
            finishedMigrations.add(finishedAt(next).plus(migrationRetention), next.getMigrationId());
        }
    }

    /**
     * Forgets, by id, the finished migrations kept longer than the retention (a VM's latest migration stays in
     * {@code migrations} whatever its age); one still sending aborts is looked at again a retention later.
     */
    int forgetFinishedMigrations(Instant now) {
        int forgotten = 0;
        for (String migrationId : finishedMigrations.takeDue(now, MAX_FORGOTTEN_PER_TICK)) {
            MigrationState state = migrationsById.get(migrationId);
            if (state == null) {
                continue;
            }
            if (!MigrationSteps.isFinal(state) || !state.getAbortPendingHosts().isEmpty()) {
                finishedMigrations.add(now.plus(migrationRetention), migrationId);
                continue;
            }
            migrationsById.delete(migrationId);
            forgotten++;
        }
        if (forgotten > 0) {
            LOG.info("forgot {} migrations finished more than {} ago (task {})", forgotten, migrationRetention,
                    context.taskId());
        }
        return forgotten;
    }

    /** When the migration reached its final step (its recorded step time; the state is written then). */
    private Instant finishedAt(MigrationState state) {
        Long at = state.getStepTimes().get(state.getStep().name());
        return at != null ? Instant.ofEpochMilli(at) : clock.instant();
    }

    /** For inputs that can carry no dead letter of the machine's (requests, registrations, the clock). */
    void apply(Outcome outcome) {
        apply(outcome, (reason, detail) -> {
            throw new IllegalStateException("this input cannot be dead-lettered by the workflow: " + reason + " " + detail);
        });
    }

    private void send(Effect.SendCommand command) {
        Instant now = clock.instant();
        SignedEnvelope envelope = sealer.seal(command.messageId(),
                Addressing.of(command.migrationId(), command.vmId(), command.hostId(), command.bindingEpoch()),
                command.body(), now, now.plus(commandTtl));
        outputs.command(envelope);
        LOG.info("migration {} vm {}: {} {} to host {}", command.migrationId(), command.vmId(),
                envelope.getMessageType(), envelope.getMessageId(), command.hostId());
    }
}
