package io.vmigrate.tests.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vmigrate.embedded.EmbeddedSystem;
import io.vmigrate.faultrun.invariants.KeyNeedle;
import io.vmigrate.faultrun.invariants.PlaintextKeyScan;
import io.vmigrate.faultrun.invariants.RunKeys;
import io.vmigrate.schema.audit.AuditChain;
import io.vmigrate.cli.operator.MigrationWatcher;
import io.vmigrate.cli.operator.Operator;
import io.vmigrate.cli.operator.TopicSnapshot;
import io.vmigrate.securezone.client.SecureZonePort;
import io.vmigrate.schema.alert.SecurityAlert;
import io.vmigrate.schema.audit.AuditRecord;
import io.vmigrate.schema.command.DeliverVmKey;
import io.vmigrate.schema.command.DeregisterVm;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.Addressing;
import io.vmigrate.schema.envelope.EnvelopeSealer;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import io.vmigrate.schema.request.MigrationRequested;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.schema.topic.Topic;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.Suite;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The protocol of docs/PROTOCOL.md end to end: a real KRaft broker, the center (Kafka Streams, exactly
 * once), and three hosts, each a secure zone on its own Unix socket plus a host agent. One system
 * per suite, started once because it is expensive; every scenario creates the VMs it needs on it, so
 * none depends on another having run, in any order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class MigrationProtocolScenarios {

    private static final Duration OUTCOME_TIMEOUT = Duration.ofSeconds(90);
    private static final List<MigrationStep> EVERY_STEP = List.of(MigrationStep.REQUESTED, MigrationStep.COMMANDED,
            MigrationStep.TARGET_CREATED, MigrationStep.KEY_DELIVERED, MigrationStep.KEY_INSTALLED,
            MigrationStep.ATTESTATION_RECEIVED, MigrationStep.ATTESTATION_FORWARDED, MigrationStep.COMPLETION_REPORTED,
            MigrationStep.COMMITTED, MigrationStep.DEREGISTER_SENT, MigrationStep.DONE);

    EmbeddedSystem system;
    SystemProbe probe;
    Operator operator;
    private final java.util.concurrent.atomic.AtomicInteger vmCounter = new java.util.concurrent.atomic.AtomicInteger();

    abstract Suite suite();

    @BeforeAll
    void startSystem(@TempDir Path dataDir) {
        system = EmbeddedSystem.builder().dataDir(dataDir).hosts(3).vmsPerHost(1).suite(suite())
                .defaultDeadline(Duration.ofSeconds(45)).deregisterRetry(Duration.ofSeconds(2)).build().start();
        probe = new SystemProbe(system);
        operator = system.operator();
    }

    /** A new VM of this scenario's own, running on {@code hostId} and bound there (epoch 0). */
    private String newVm(String hostId) {
        String vmId = "it-" + vmCounter.incrementAndGet() + "-" + hostId;
        system.addVm(hostId, vmId, Duration.ofSeconds(60));
        return vmId;
    }

    @AfterAll
    void stopSystem() {
        if (system != null) {
            system.close();
        }
    }

    // 1
    @Test
    void aMigrationWalksEveryStepAndMovesTheVmAndItsKey() throws Exception {
        String vm = newVm("h1");
        VmInventoryEntry before = probe.binding(vm);
        assertThat(before.getBinding().getHostId()).isEqualTo("h1");
        String oldKey = before.getBinding().getKeyFingerprint();
        assertThat(probe.installedKey("h1", vm)).map(k -> k.keyFingerprint()).contains(oldKey);

        MigrationWatcher.Outcome outcome = migrate(vm, "h2", Optional.empty());

        assertThat(outcome.finalStep()).isEqualTo(MigrationStep.DONE);
        List<AuditRecord> trail = probe.audit(migrationIdOf(outcome));
        List<MigrationStep> steps = trail.stream().map(AuditRecord::getStep).toList();
        assertThat(steps).containsAll(EVERY_STEP);
        assertThat(steps.get(0)).isEqualTo(MigrationStep.REQUESTED);
        assertThat(steps.get(steps.size() - 1)).isEqualTo(MigrationStep.DONE);
        assertInOrder(steps, MigrationStep.REQUESTED, MigrationStep.COMMANDED, MigrationStep.TARGET_CREATED,
                MigrationStep.KEY_DELIVERED, MigrationStep.KEY_INSTALLED, MigrationStep.COMPLETION_REPORTED,
                MigrationStep.COMMITTED, MigrationStep.DEREGISTER_SENT, MigrationStep.DONE);
        assertInOrder(steps, MigrationStep.COMMANDED, MigrationStep.ATTESTATION_RECEIVED,
                MigrationStep.ATTESTATION_FORWARDED, MigrationStep.COMPLETION_REPORTED);
        AuditChain.verify(trail, centerVerifier(), CryptoSuites.get(suite()).digest());

        VmInventoryEntry after = probe.binding(vm);
        assertThat(after.getBinding().getHostId()).isEqualTo("h2");
        assertThat(after.getBinding().getEpoch()).isEqualTo(before.getBinding().getEpoch() + 1);
        String newKey = after.getBinding().getKeyFingerprint();
        assertThat(newKey).isNotEqualTo(oldKey);
        assertThat(probe.hostsRunning(vm)).containsExactly("h2");
        assertThat(probe.installedKey("h2", vm)).map(k -> k.keyFingerprint()).contains(newKey);
        assertThat(probe.installedKey("h1", vm)).as("the source's old VM key is destroyed").isEmpty();
    }

    // 2
    @Test
    void aKeyDeliveryTheDestinationSecureZoneRefusesAbortsAndChangesNothing() throws Exception {
        String vm = newVm("h2");
        VmInventoryEntry before = probe.binding(vm);
        assertThat(before.getBinding().getHostId()).isEqualTo("h2");
        // h3's user zone is compromised: it rewrites the binding of every key delivery it relays so the
        // key would be bound to another host. The secure zone must refuse the altered delivery; it was
        // not admitted (its signature fails), so nothing signed answers it and the deadline aborts.
        system.host("h3").stopAgent();
        system.host("h3").startAgentRelayingThrough(MigrationProtocolScenarios::rebindingKeyDeliveries);
        try {
            MigrationWatcher.Outcome outcome = migrate(vm, "h3", Optional.of(Duration.ofSeconds(10)));

            assertThat(outcome.finalStep()).isEqualTo(MigrationStep.ABORTED);
            assertThat(outcome.reason()).contains(RefusalReason.DEADLINE_PASSED.name());
            assertThat(probe.alerts()).anySatisfy(alert -> {
                assertThat(alert.getReason()).isEqualTo(RefusalReason.SIGNATURE_INVALID);
                assertThat(alert.getVmId()).hasToString(vm);
                assertThat(alert.getDetectedBy()).hasToString("host-agent/h3");
            });
            assertThat(probe.binding(vm).getBinding()).isEqualTo(before.getBinding());
            assertThat(probe.hostsRunning(vm)).containsExactly("h2");
            assertThat(probe.installedKey("h2", vm)).map(k -> k.keyFingerprint())
                    .contains(before.getBinding().getKeyFingerprint());
            assertThat(probe.installedKey("h3", vm)).isEmpty();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(system.host("h3").hypervisor().state(vm).name()).isNotEqualTo("RUNNING"));
        } finally {
            system.host("h3").stopAgent();
            system.host("h3").startAgent();
        }
    }

    // 3
    @Test
    void aStoppedDestinationAbortsAtTheDeadlineAndNothingIsDeregistered() throws Exception {
        String vm = newVm("h1");
        VmInventoryEntry before = probe.binding(vm);
        system.host("h3").stopAgent();
        MigrationWatcher.Outcome outcome;
        try {
            outcome = migrate(vm, "h3", Optional.of(Duration.ofSeconds(4)));
        } finally {
            system.host("h3").startAgent();
        }
        assertThat(outcome.finalStep()).isEqualTo(MigrationStep.ABORTED);
        assertThat(outcome.reason()).contains(RefusalReason.DEADLINE_PASSED.name());
        assertThat(probe.binding(vm).getBinding()).isEqualTo(before.getBinding());
        assertThat(probe.hostsRunning(vm)).containsExactly("h1");
        assertThat(probe.installedKey("h1", vm)).map(k -> k.keyFingerprint())
                .contains(before.getBinding().getKeyFingerprint());
        assertThat(probe.commandsTo("h1")).noneMatch(command -> command.getMessageType() == MessageType.DEREGISTER_VM
                && command.getVmId().equals(vm));
        // The restarted destination catches up on the create and the abort: no target is left behind.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(probe.hostsRunning(vm)).containsExactly("h1"));
    }

    // 4a
    @Test
    void aDeregisterSignedByAnotherKeyIsRefusedAndReported() throws Exception {
        String vm = newVm("h2");
        VmInventoryEntry binding = probe.binding(vm);
        assertThat(binding.getBinding().getHostId()).isEqualTo("h2");
        CryptoSuite crypto = CryptoSuites.get(suite());
        EnvelopeSealer forger = new EnvelopeSealer(crypto.signer(crypto.generateSigningKey()), Clock.systemUTC(),
                Duration.ofMinutes(1));
        SignedEnvelope forged = forger.seal(Addressing.of("forged-migration", vm, "h2", binding.getBinding().getEpoch() + 1),
                DeregisterVm.newBuilder().setMigrationId("forged-migration").setVmId(vm)
                        .setEpoch(binding.getBinding().getEpoch() + 1)
                        .setRetiredKeyFingerprint(binding.getBinding().getKeyFingerprint()).build());
        produce(system.topics().hostCommands("h2"), vm, forged);

        await().atMost(Duration.ofSeconds(30)).until(() -> !probe.alertsAbout(forged.getMessageId()).isEmpty());
        SecurityAlert alert = probe.alertsAbout(forged.getMessageId()).get(0);
        assertThat(alert.getReason()).isIn(RefusalReason.UNKNOWN_SIGNER, RefusalReason.SIGNATURE_INVALID);
        assertThat(alert.getSourceTopic()).isEqualTo("host.h2.commands");
        assertThat(probe.hostsRunning(vm)).containsExactly("h2");
        assertThat(probe.installedKey("h2", vm)).isPresent();
    }

    // 4b
    @Test
    void aDeregisterReplayedFromAnEarlierMigrationIsRefusedAndReported() throws Exception {
        String vm = newVm("h2");
        String first = migrationIdOf(migrate(vm, "h1", Optional.empty()));
        assertThat(migrate(vm, "h2", Optional.empty()).finalStep()).isEqualTo(MigrationStep.DONE);
        long epoch = probe.binding(vm).getBinding().getEpoch();
        SignedEnvelope earlierDeregister = probe.commandsTo("h2").stream()
                .filter(c -> c.getMessageType() == MessageType.DEREGISTER_VM && c.getMigrationId().equals(first))
                .findFirst().orElseThrow();

        produce(system.topics().hostCommands("h2"), vm, earlierDeregister);

        await().atMost(Duration.ofSeconds(30)).until(() -> !probe.alertsAbout(earlierDeregister.getMessageId()).isEmpty());
        assertThat(probe.alertsAbout(earlierDeregister.getMessageId())).extracting(SecurityAlert::getReason)
                .containsOnly(RefusalReason.REPLAYED);
        assertThat(probe.hostsRunning(vm)).containsExactly("h2");
        assertThat(probe.installedKey("h2", vm)).map(k -> k.epoch()).contains(epoch);
        assertThat(probe.binding(vm).getBinding().getEpoch()).isEqualTo(epoch);
    }

    // 5
    @Test
    void everyCommandDeliveredTwiceIsActedOnOnce() throws Exception {
        String vm = newVm("h1");
        VmInventoryEntry before = probe.binding(vm);
        try (CommandDuplicator duplicator = new CommandDuplicator(system.clientProperties())) {
            duplicator.start();
            MigrationWatcher.Outcome outcome = migrate(vm, "h3", Optional.empty());
            assertThat(outcome.finalStep()).isEqualTo(MigrationStep.DONE);
            String migrationId = migrationIdOf(outcome);

            List<SignedEnvelope> commands = new ArrayList<>();
            for (String host : List.of("h1", "h3")) {
                probe.commandsTo(host).stream().filter(c -> c.getMigrationId().equals(migrationId)).forEach(commands::add);
            }
            Map<String, Long> copies = new HashMap<>();
            commands.forEach(c -> copies.merge(c.getMessageId(), 1L, Long::sum));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Map<String, Long> seen = new HashMap<>();
                for (String host : List.of("h1", "h3")) {
                    probe.commandsTo(host).stream().filter(c -> c.getMigrationId().equals(migrationId))
                            .forEach(c -> seen.merge(c.getMessageId(), 1L, Long::sum));
                }
                assertThat(seen.values()).as("every command of the migration is on its topic twice").containsOnly(2L);
                for (String messageId : seen.keySet()) {
                    assertThat(probe.alertsAbout(messageId)).as("the copy of %s is refused as a replay", messageId)
                            .extracting(SecurityAlert::getReason).containsOnly(RefusalReason.REPLAYED);
                }
            });
            List<MigrationStep> steps = probe.audit(migrationId).stream().map(AuditRecord::getStep).toList();
            assertThat(Collections.frequency(steps, MigrationStep.KEY_INSTALLED)).isEqualTo(1);
            assertThat(Collections.frequency(steps, MigrationStep.COMMITTED)).isEqualTo(1);
            assertThat(Collections.frequency(steps, MigrationStep.DONE)).isEqualTo(1);
            assertThat(probe.binding(vm).getBinding().getEpoch()).isEqualTo(before.getBinding().getEpoch() + 1);
            assertThat(probe.hostsRunning(vm)).containsExactly("h3");
        }
    }

    // 6
    @Test
    void aSecondRequestForAMigratingVmIsRejected() throws Exception {
        String vm = newVm("h3");
        system.host("h1").stopAgent();
        MigrationRequested first = operator.newRequest(vm, "h1", Optional.empty(), Optional.of(Duration.ofSeconds(60)), "it");
        var positions = MigrationWatcher.positionsNow(system.clientProperties());
        try {
            operator.send(first);
            await().atMost(Duration.ofSeconds(30)).until(() -> probe.audit(first.getMigrationId()).stream()
                    .anyMatch(r -> r.getStep() == MigrationStep.COMMANDED));
            MigrationRequested second = operator.newRequest(vm, "h2", Optional.empty(), Optional.empty(), "it");
            Optional<MigrationWatcher.Outcome> rejected = operator.sendAndAwait(second, OUTCOME_TIMEOUT, step -> { });
            assertThat(rejected).map(MigrationWatcher.Outcome::finalStep).contains(MigrationStep.REJECTED);
            assertThat(rejected.get().reason()).contains(RefusalReason.MIGRATION_IN_FLIGHT.name());
        } finally {
            system.host("h1").startAgent();
        }
        try (MigrationWatcher watcher = MigrationWatcher.from(system.clientProperties(), system.topics(), positions)) {
            assertThat(watcher.await(first.getMigrationId(), OUTCOME_TIMEOUT, step -> { }))
                    .map(MigrationWatcher.Outcome::finalStep).contains(MigrationStep.DONE);
        }
        assertThat(probe.hostsRunning(vm)).containsExactly("h1");
    }

    // 7
    @Test
    void aVmMigratedRoundTheHostsHasOneBindingAtEveryMomentAndGrowingEpochs() throws Exception {
        String vm = newVm("h1");
        long start = probe.binding(vm).getBinding().getEpoch();
        for (String[] hop : new String[][] {{"h2", "1"}, {"h3", "2"}, {"h1", "3"}}) {
            assertThat(migrate(vm, hop[0], Optional.empty()).finalStep()).isEqualTo(MigrationStep.DONE);
            VmInventoryEntry entry = probe.binding(vm);
            assertThat(entry.getBinding().getHostId()).isEqualTo(hop[0]);
            assertThat(entry.getBinding().getEpoch()).isEqualTo(start + Long.parseLong(hop[1]));
            assertThat(probe.hostsRunning(vm)).containsExactly(hop[0]);
            for (String other : system.hostIds()) {
                assertThat(probe.installedKey(other, vm).isPresent()).as("key of %s on %s", vm, other)
                        .isEqualTo(other.equals(hop[0]));
            }
        }
        // Every binding the center ever published for the VM, in order (the topic is keyed by VM id,
        // so one partition holds them all): one host at a time, epochs only growing.
        List<String> observations = new ArrayList<>();
        TopicSnapshot.readToEnd(system.clientProperties(), system.topics().vmInventory(), (key, entry) -> {
            if (vm.equals(key)) {
                observations.add(entry.getBinding().getHostId() + "@" + entry.getBinding().getEpoch());
            }
        });
        assertThat(observations).isNotEmpty();
        long previous = -1;
        for (String observation : observations) {
            long epoch = Long.parseLong(observation.substring(observation.indexOf('@') + 1));
            assertThat(epoch).as("epochs only grow").isGreaterThanOrEqualTo(previous);
            previous = epoch;
        }
        assertThat(observations).contains("h1@" + start, "h2@" + (start + 1), "h3@" + (start + 2), "h1@" + (start + 3));
    }

    // 9
    @Test
    void aCenterRestartedMidMigrationCompletesItExactlyOnce() throws Exception {
        String vm = newVm("h3");
        long before = probe.binding(vm).getBinding().getEpoch();
        system.host("h2").stopAgent();
        MigrationRequested request = operator.newRequest(vm, "h2", Optional.empty(), Optional.of(Duration.ofSeconds(60)), "it");
        var positions = MigrationWatcher.positionsNow(system.clientProperties());
        try {
            operator.send(request);
            await().atMost(Duration.ofSeconds(30)).until(() -> probe.audit(request.getMigrationId()).stream()
                    .anyMatch(r -> r.getStep() == MigrationStep.ATTESTATION_FORWARDED));
            system.restartCenter();
        } finally {
            system.host("h2").startAgent();
        }
        try (MigrationWatcher watcher = MigrationWatcher.from(system.clientProperties(), system.topics(), positions)) {
            assertThat(watcher.await(request.getMigrationId(), OUTCOME_TIMEOUT, step -> { }))
                    .map(MigrationWatcher.Outcome::finalStep).contains(MigrationStep.DONE);
        }
        List<AuditRecord> trail = probe.audit(request.getMigrationId());
        List<MigrationStep> steps = trail.stream().map(AuditRecord::getStep).toList();
        for (MigrationStep once : List.of(MigrationStep.REQUESTED, MigrationStep.COMMANDED, MigrationStep.KEY_DELIVERED,
                MigrationStep.KEY_INSTALLED, MigrationStep.COMMITTED, MigrationStep.DONE)) {
            assertThat(Collections.frequency(steps, once)).as("%s recorded once", once).isEqualTo(1);
        }
        AuditChain.verify(trail, centerVerifier(), CryptoSuites.get(suite()).digest());
        assertThat(probe.binding(vm).getBinding().getEpoch()).isEqualTo(before + 1);
        assertThat(probe.hostsRunning(vm)).containsExactly("h2");
    }

    // The center never crashes on input and never drops it: an undecodable request and a forged reply
    // end on the dead-letter topic with their origin in headers; the forgery also raises an alert.
    @Test
    void badInputToTheCenterIsDeadLetteredUnderExactlyOnce() throws Exception {
        String vm = newVm("h3");
        byte[] garbage = "not a request".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Map<String, Object> props = new HashMap<>(system.clientProperties());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        long garbageOffset;
        try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            garbageOffset = producer.send(new ProducerRecord<>(system.topics().migrationRequests().name(),
                    vm.getBytes(java.nio.charset.StandardCharsets.UTF_8), garbage)).get().offset();
        }
        CryptoSuite crypto = CryptoSuites.get(suite());
        EnvelopeSealer forger = new EnvelopeSealer(crypto.signer(crypto.generateSigningKey()), Clock.systemUTC(),
                Duration.ofMinutes(1));
        SignedEnvelope forgedReply = forger.seal(Addressing.of("forged-reply", vm, "h3", 1),
                io.vmigrate.schema.reply.VmDeregistered.newBuilder().setMigrationId("forged-reply").setVmId(vm)
                        .setHostId("h3").setEpoch(1).setDestroyedKeyFingerprint("x")
                        .setDeregisteredAt(java.time.Instant.now()).build());
        produce(system.topics().hostEvents(), vm, forgedReply);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            List<Map<String, String>> letters = new ArrayList<>();
            readDeadLetters(letters);
            assertThat(letters).anySatisfy(headers -> {
                assertThat(headers).containsEntry(io.vmigrate.schema.topic.DeadLetterHeaders.SOURCE_TOPIC, "migration.requests");
                assertThat(headers).containsEntry(io.vmigrate.schema.topic.DeadLetterHeaders.SOURCE_OFFSET, String.valueOf(garbageOffset));
                assertThat(headers).containsEntry(io.vmigrate.schema.topic.DeadLetterHeaders.REASON, RefusalReason.MALFORMED.name());
            });
            assertThat(letters).anySatisfy(headers -> {
                assertThat(headers).containsEntry(io.vmigrate.schema.topic.DeadLetterHeaders.SOURCE_TOPIC, "host.events");
                assertThat(headers.get(io.vmigrate.schema.topic.DeadLetterHeaders.REASON))
                        .isIn(RefusalReason.UNKNOWN_SIGNER.name(), RefusalReason.SIGNATURE_INVALID.name());
            });
            assertThat(probe.alertsAbout(forgedReply.getMessageId())).isNotEmpty();
        });
        // and the center still works
        assertThat(migrate(vm, "h1", Optional.empty()).finalStep()).isEqualTo(MigrationStep.DONE);
    }

    // Keys and partitions agree: a registration of a bound VM written to another partition than its key
    // maps to reaches a task holding none of the VM's state; it is refused, never a second epoch-0 binding.
    @Test
    void aRecordOnAnotherPartitionThanItsKeyMapsToIsRefused() throws Exception {
        String vm = newVm("h1");
        VmInventoryEntry before = probe.binding(vm);
        var registrations = system.topics().vmRegistrations();
        int partitions;
        try (Admin admin = Admin.create(system.clientProperties())) {
            partitions = admin.describeTopics(List.of(registrations.name())).allTopicNames().get()
                    .get(registrations.name()).partitions().size();
        }
        assertThat(partitions).as("the embedded system has several partitions").isGreaterThan(1);
        int home = partitionOf(vm, partitions);
        int elsewhere = (home + 1) % partitions;
        // Signed by a key nobody enrolled: refused on its partition before its signer is even looked up.
        SignedEnvelope registration = softwareSignedRegistration(vm, "h2");
        Map<String, Object> props = new HashMap<>(system.clientProperties());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        long offset;
        try (var producer = new KafkaProducer<>(props, registrations.keySerde().serializer(),
                registrations.valueSerde().serializer())) {
            offset = producer.send(new ProducerRecord<>(registrations.name(), elsewhere, vm, registration)).get().offset();
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            List<Map<String, String>> letters = new ArrayList<>();
            readDeadLetters(letters);
            assertThat(letters).anySatisfy(headers -> {
                assertThat(headers).containsEntry(io.vmigrate.schema.topic.DeadLetterHeaders.SOURCE_TOPIC, registrations.name());
                assertThat(headers).containsEntry(io.vmigrate.schema.topic.DeadLetterHeaders.SOURCE_PARTITION,
                        String.valueOf(elsewhere));
                assertThat(headers).containsEntry(io.vmigrate.schema.topic.DeadLetterHeaders.SOURCE_OFFSET, String.valueOf(offset));
                assertThat(headers).containsEntry(io.vmigrate.schema.topic.DeadLetterHeaders.REASON, RefusalReason.MALFORMED.name());
            });
        });
        assertThat(probe.binding(vm)).as("the binding is untouched").isEqualTo(before);
        assertThat(probe.commandsTo("h2")).as("no key was delivered to h2 for the VM")
                .noneMatch(c -> c.getVmId().equals(vm) && c.getMessageType() == MessageType.DELIVER_VM_KEY);
        assertThat(migrate(vm, "h2", Optional.empty()).finalStep()).isEqualTo(MigrationStep.DONE);
    }

    // Migration ids are never reused: a request naming one already used, for another VM, is rejected, whether
    // that VM is on the first one's partition (the workflow task has seen the id) or on another (the id is
    // claimed in a task keyed by migration id, so a task that never saw it still rejects it).
    @Test
    void aMigrationIdUsedBeforeIsRejected() throws Exception {
        reusingAMigrationIdIsRejected(true);
    }

    @Test
    void aMigrationIdUsedBeforeForAVmOnAnotherPartitionIsRejected() throws Exception {
        reusingAMigrationIdIsRejected(false);
    }

    private void reusingAMigrationIdIsRejected(boolean samePartition) throws Exception {
        String first = newVm("h2");
        int partitions;
        try (Admin admin = Admin.create(system.clientProperties())) {
            String name = system.topics().migrationRequests().name();
            partitions = admin.describeTopics(List.of(name)).allTopicNames().get().get(name).partitions().size();
        }
        assertThat(partitions).as("the embedded system has several partitions").isGreaterThan(1);
        String second = first + "-twin";
        for (int i = 0; (partitionOf(second, partitions) == partitionOf(first, partitions)) != samePartition; i++) {
            second = first + "-twin" + i;
        }
        system.addVm("h2", second, Duration.ofSeconds(60));
        MigrationRequested done = operator.newRequest(first, "h3", Optional.empty(), Optional.empty(), "it");
        assertThat(operator.sendAndAwait(done, OUTCOME_TIMEOUT, step -> { })).map(MigrationWatcher.Outcome::finalStep)
                .contains(MigrationStep.DONE);
        MigrationRequested reused = MigrationRequested.newBuilder(
                operator.newRequest(second, "h3", Optional.empty(), Optional.empty(), "it"))
                .setMigrationId(done.getMigrationId()).build();
        Optional<MigrationWatcher.Outcome> rejected = operator.sendAndAwait(reused, OUTCOME_TIMEOUT, step -> { });
        assertThat(rejected).map(MigrationWatcher.Outcome::finalStep).contains(MigrationStep.REJECTED);
        assertThat(rejected.get().reason()).contains(RefusalReason.REPLAYED.name());
        await().atMost(Duration.ofSeconds(30)).until(() -> probe.alerts().stream().anyMatch(alert ->
                alert.getReason() == RefusalReason.REPLAYED && done.getMigrationId().equals(alert.getMigrationId())));
        assertThat(probe.hostsRunning(second)).containsExactly("h2");
        String secondVm = second;
        assertThat(probe.commandsTo("h2")).as("nothing commanded for the second VM")
                .noneMatch(c -> c.getVmId().equals(secondVm) && c.getMessageType() == MessageType.MIGRATE_OUT);
        assertThat(probe.audit(done.getMigrationId())).allSatisfy(record -> assertThat(record.getVmId()).isEqualTo(first));
        assertThat(probe.audit(done.getMigrationId())).last().extracting(AuditRecord::getStep).isEqualTo(MigrationStep.DONE);
    }

    // VM registrations are signed: a host's bus principal may write to vm.registrations, but what it writes
    // naming another host (unsigned, as registrations used to be, or signed by a key that is not that host's
    // zone key) is refused with its reason and alerted; no key goes to the host it names.
    @Test
    void aRegistrationForgedForAnotherHostIsRefused() throws Exception {
        String vm = "it-forged-registration-" + vmCounter.incrementAndGet();
        var registrations = system.topics().vmRegistrations();
        Map<String, Object> props = new HashMap<>(system.clientProperties(
                io.vmigrate.embedded.security.BusAcls.hostPrincipal("h2")));
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        byte[] unsigned = SingleObjectCodec.of(io.vmigrate.schema.inventory.VmRegistrationRequested.class).encode(
                io.vmigrate.schema.inventory.VmRegistrationRequested.newBuilder().setVmId(vm).setHostId("h1")
                        .setVmName(vm).setRequestedAt(java.time.Instant.now()).setRequestedBy("host-agent/h2").build());
        byte[] forged = SingleObjectCodec.of(SignedEnvelope.class).encode(softwareSignedRegistration(vm, "h1"));
        long unsignedOffset;
        long forgedOffset;
        try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            byte[] key = vm.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            unsignedOffset = producer.send(new ProducerRecord<>(registrations.name(), key, unsigned)).get().offset();
            forgedOffset = producer.send(new ProducerRecord<>(registrations.name(), key, forged)).get().offset();
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            List<Map<String, String>> letters = new ArrayList<>();
            readDeadLetters(letters);
            assertThat(letters).anySatisfy(headers -> {
                assertThat(headers).containsEntry(io.vmigrate.schema.topic.DeadLetterHeaders.SOURCE_TOPIC, registrations.name());
                assertThat(headers).containsEntry(io.vmigrate.schema.topic.DeadLetterHeaders.SOURCE_OFFSET, String.valueOf(unsignedOffset));
                assertThat(headers).containsEntry(io.vmigrate.schema.topic.DeadLetterHeaders.REASON, RefusalReason.NOT_SIGNED.name());
            });
            assertThat(letters).anySatisfy(headers -> {
                assertThat(headers).containsEntry(io.vmigrate.schema.topic.DeadLetterHeaders.SOURCE_TOPIC, registrations.name());
                assertThat(headers).containsEntry(io.vmigrate.schema.topic.DeadLetterHeaders.SOURCE_OFFSET, String.valueOf(forgedOffset));
                assertThat(headers).containsEntry(io.vmigrate.schema.topic.DeadLetterHeaders.REASON, RefusalReason.UNKNOWN_SIGNER.name());
            });
            assertThat(probe.alerts()).anySatisfy(alert -> {
                assertThat(alert.getReason()).isEqualTo(RefusalReason.UNKNOWN_SIGNER);
                assertThat(alert.getSourceTopic()).isEqualTo(registrations.name());
            });
        });
        assertThat(probe.commandsTo("h1")).as("no key was delivered to h1 for the VM")
                .noneMatch(c -> c.getVmId().equals(vm));
        // and registration still works for a VM that is really on h1
        assertThat(newVm("h1")).isNotEmpty();
    }

    /** A registration envelope as a zone would sign it, but with a key made in ordinary software. */
    private SignedEnvelope softwareSignedRegistration(String vmId, String hostId) {
        CryptoSuite crypto = CryptoSuites.get(suite());
        EnvelopeSealer forger = new EnvelopeSealer(crypto.signer(crypto.generateSigningKey()), Clock.systemUTC(),
                Duration.ofMinutes(1));
        return forger.seal(Addressing.of(io.vmigrate.schema.keys.KeyContexts.registrationMigrationId(vmId), vmId, hostId, -1),
                io.vmigrate.schema.inventory.VmRegistrationRequested.newBuilder().setVmId(vmId).setHostId(hostId)
                        .setVmName(vmId).setRequestedAt(java.time.Instant.now()).setRequestedBy("it").build());
    }

    private static int partitionOf(String key, int partitions) {
        return org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(
                key.getBytes(java.nio.charset.StandardCharsets.UTF_8))) % partitions;
    }

    private void readDeadLetters(List<Map<String, String>> sink) {
        Map<String, Object> props = new HashMap<>(TopicSnapshot.consumerProperties(system.clientProperties()));
        try (var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = TopicSnapshot.partitionsOf(consumer, system.topics().deadLetter().name());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (var record : consumer.poll(Duration.ofMillis(100))) {
                    Map<String, String> headers = new HashMap<>();
                    for (Header header : record.headers()) {
                        headers.put(header.key(), new String(header.value(), java.nio.charset.StandardCharsets.UTF_8));
                    }
                    sink.add(headers);
                }
            }
        }
    }

    // 8: after a migration of its own, every key bound at this moment is looked for in every byte.
    @Test
    void noVmPrivateKeyAppearsInAnyByteOfAnyTopic() throws Exception {
        String vm = newVm("h1");
        assertThat(migrate(vm, "h2", Optional.empty()).finalStep()).isEqualTo(MigrationStep.DONE);
        Properties passwords = new Properties();
        try (var in = java.nio.file.Files.newInputStream(system.dataDir().resolve("secrets.properties"))) {
            passwords.load(in);
        }
        List<KeyNeedle> secrets = new ArrayList<>();
        for (String hostId : system.hostIds()) {
            char[] sealing = passwords.getProperty("sealing." + hostId).toCharArray();
            for (byte[] pkcs8 : RunKeys.installedVmKeysPkcs8(system.host(hostId).secureZoneStateDir(), sealing, suite())) {
                secrets.add(new KeyNeedle("the key of a VM on " + hostId, pkcs8));
                secrets.add(new KeyNeedle("the private value of a VM key on " + hostId, RunKeys.privateValueOf(pkcs8)));
            }
        }
        int bound = operator.bindings().size();
        assertThat(bound).isGreaterThanOrEqualTo(4);
        assertThat(secrets).as("the key of every bound VM, found in its zone").hasSizeGreaterThanOrEqualTo(2 * bound);

        PlaintextKeyScan.TopicScan scan = PlaintextKeyScan.scanTopics(system.clientProperties(), secrets);
        assertThat(scan.topics()).contains("__transaction_state", "__consumer_offsets", "migration.audit",
                "vmigrate-center-vm-keys-changelog", "vmigrate-center-migrations-changelog");
        assertThat(scan.bytes()).as("bytes scanned").isGreaterThan(10_000);
        assertThat(scan.found()).as("VM keys or any PKCS#8 private key on a topic").isEmpty();
    }

    private MigrationWatcher.Outcome migrate(String vmId, String to, Optional<Duration> deadline) {
        MigrationRequested request = operator.newRequest(vmId, to, Optional.empty(), deadline, "it");
        Optional<MigrationWatcher.Outcome> outcome = operator.sendAndAwait(request, OUTCOME_TIMEOUT, step -> { });
        assertThat(outcome).as("migration %s of %s to %s ended", request.getMigrationId(), vmId, to).isPresent();
        lastMigrationIds.put(outcome.get(), request.getMigrationId());
        return outcome.get();
    }

    private final Map<MigrationWatcher.Outcome, String> lastMigrationIds = Collections.synchronizedMap(new java.util.IdentityHashMap<>());

    private String migrationIdOf(MigrationWatcher.Outcome outcome) {
        return lastMigrationIds.get(outcome);
    }

    private io.vmigrate.trust.Verifier centerVerifier() {
        return CryptoSuites.get(suite()).verifier(system.center().centerPublicKey());
    }

    private static void assertInOrder(List<MigrationStep> steps, MigrationStep... order) {
        int previous = -1;
        for (MigrationStep step : order) {
            int index = steps.indexOf(step);
            assertThat(index).as("%s after the step before it in %s", step, steps).isGreaterThan(previous);
            previous = index;
        }
    }

    private <V> void produce(Topic<String, V> topic, String key, V value) throws Exception {
        Map<String, Object> props = new HashMap<>(system.clientProperties());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (var producer = new KafkaProducer<>(props, topic.keySerde().serializer(), topic.valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(topic.name(), key, value)).get();
        }
    }

    /** A user zone that rewrites each relayed key delivery to bind the key to another host. */
    private static SecureZonePort rebindingKeyDeliveries(SecureZonePort real) {
        SingleObjectCodec<SignedEnvelope> envelopes = SingleObjectCodec.of(SignedEnvelope.class);
        SingleObjectCodec<DeliverVmKey> deliveries = SingleObjectCodec.of(DeliverVmKey.class);
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("installVmKey")) {
                SignedEnvelope envelope = envelopes.decode((byte[]) args[0]);
                DeliverVmKey delivery = deliveries.decode(ByteBuffers.toArray(envelope.getBody()));
                delivery.getBinding().setHostId("h1");
                envelope.setBody(ByteBuffer.wrap(deliveries.encode(delivery)));
                args[0] = envelopes.encode(envelope);
            }
            try {
                return method.invoke(real, args);
            } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (SecureZonePort) Proxy.newProxyInstance(SecureZonePort.class.getClassLoader(),
                new Class<?>[] {SecureZonePort.class}, handler);
    }

    /** Copies every record on every host command topic once more onto the same topic and partition. */
    private static final class CommandDuplicator implements AutoCloseable {
        private static final String COPY_HEADER = "vmigrate.test.copy";
        private final Map<String, Object> client;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;
        private volatile boolean assigned;

        CommandDuplicator(Map<String, Object> client) {
            this.client = client;
            this.thread = new Thread(this::run, "command-duplicator");
        }

        void start() {
            thread.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> assigned);
        }

        private void run() {
            Map<String, Object> consumerProps = new HashMap<>(TopicSnapshot.consumerProperties(client));
            consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, "it-duplicator-" + System.nanoTime());
            consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
            Map<String, Object> producerProps = new HashMap<>(client);
            producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
            try (var consumer = new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer());
                    var producer = new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer())) {
                consumer.subscribe(Pattern.compile("host\\..*\\.commands"), new org.apache.kafka.clients.consumer.ConsumerRebalanceListener() {
                    @Override
                    public void onPartitionsRevoked(java.util.Collection<TopicPartition> partitions) { }

                    @Override
                    public void onPartitionsAssigned(java.util.Collection<TopicPartition> partitions) {
                        consumer.seekToEnd(partitions);
                        partitions.forEach(consumer::position);
                        assigned = true;
                    }
                });
                while (running.get()) {
                    for (var record : consumer.poll(Duration.ofMillis(50))) {
                        Header copy = record.headers().lastHeader(COPY_HEADER);
                        if (copy == null) {
                            var duplicate = new ProducerRecord<>(record.topic(), record.partition(), record.key(), record.value());
                            duplicate.headers().add(COPY_HEADER, new byte[] {1});
                            producer.send(duplicate);
                        }
                    }
                    producer.flush();
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }
}
