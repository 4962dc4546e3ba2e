package io.vmigrate.tests.protocol;

import io.vmigrate.schema.audit.AuditChain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vmigrate.embedded.EmbeddedSystem;
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
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
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
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The protocol of PROTOCOL.md end to end: a real KRaft broker, the center (Kafka Streams, exactly
 * once), and three hosts, each a secure zone on its own Unix socket plus a host agent. One system
 * per suite; each scenario uses its own VMs. Numbers refer to the tests issue 3 asks for.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class MigrationProtocolScenarios {

    private static final Duration OUTCOME_TIMEOUT = Duration.ofSeconds(90);
    private static final List<MigrationStep> EVERY_STEP = List.of(MigrationStep.REQUESTED, MigrationStep.COMMANDED,
            MigrationStep.TARGET_CREATED, MigrationStep.KEY_DELIVERED, MigrationStep.KEY_INSTALLED,
            MigrationStep.ATTESTATION_RECEIVED, MigrationStep.ATTESTATION_FORWARDED, MigrationStep.COMPLETION_REPORTED,
            MigrationStep.COMMITTED, MigrationStep.DEREGISTER_SENT, MigrationStep.DONE);

    EmbeddedSystem system;
    SystemProbe probe;
    Operator operator;

    abstract Suite suite();

    @BeforeAll
    void startSystem(@TempDir Path dataDir) {
        system = EmbeddedSystem.builder().dataDir(dataDir).hosts(3).vmsPerHost(4).suite(suite())
                .defaultDeadline(Duration.ofSeconds(45)).deregisterRetry(Duration.ofSeconds(2)).build().start();
        probe = new SystemProbe(system);
        operator = system.operator();
    }

    @AfterAll
    void stopSystem() {
        if (system != null) {
            system.close();
        }
    }

    // 1
    @Test
    @Order(1)
    void aMigrationWalksEveryStepAndMovesTheVmAndItsKey() throws Exception {
        VmInventoryEntry before = probe.binding("vm-1");
        assertThat(before.getBinding().getHostId()).isEqualTo("h1");
        String oldKey = before.getBinding().getKeyFingerprint();
        assertThat(probe.installedKey("h1", "vm-1")).map(k -> k.keyFingerprint()).contains(oldKey);

        MigrationWatcher.Outcome outcome = migrate("vm-1", "h2", Optional.empty());

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

        VmInventoryEntry after = probe.binding("vm-1");
        assertThat(after.getBinding().getHostId()).isEqualTo("h2");
        assertThat(after.getBinding().getEpoch()).isEqualTo(before.getBinding().getEpoch() + 1);
        String newKey = after.getBinding().getKeyFingerprint();
        assertThat(newKey).isNotEqualTo(oldKey);
        assertThat(probe.hostsRunning("vm-1")).containsExactly("h2");
        assertThat(probe.installedKey("h2", "vm-1")).map(k -> k.keyFingerprint()).contains(newKey);
        assertThat(probe.installedKey("h1", "vm-1")).as("the source's old VM key is destroyed").isEmpty();
    }

    // 2
    @Test
    @Order(2)
    void aKeyDeliveryTheDestinationSecureZoneRefusesAbortsAndChangesNothing() throws Exception {
        VmInventoryEntry before = probe.binding("vm-5");
        assertThat(before.getBinding().getHostId()).isEqualTo("h2");
        // h3's user zone is compromised: it rewrites the binding of every key delivery it relays so the
        // key would be bound to another host. The secure zone must refuse the altered delivery.
        system.host("h3").stopAgent();
        system.host("h3").startAgentRelayingThrough(MigrationProtocolScenarios::rebindingKeyDeliveries);
        try {
            MigrationWatcher.Outcome outcome = migrate("vm-5", "h3", Optional.empty());

            assertThat(outcome.finalStep()).isEqualTo(MigrationStep.ABORTED);
            assertThat(outcome.reason()).contains(RefusalReason.SIGNATURE_INVALID.name());
            assertThat(probe.binding("vm-5").getBinding()).isEqualTo(before.getBinding());
            assertThat(probe.hostsRunning("vm-5")).containsExactly("h2");
            assertThat(probe.installedKey("h2", "vm-5")).map(k -> k.keyFingerprint())
                    .contains(before.getBinding().getKeyFingerprint());
            assertThat(probe.installedKey("h3", "vm-5")).isEmpty();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(system.host("h3").hypervisor().state("vm-5").name()).isNotEqualTo("RUNNING"));
        } finally {
            system.host("h3").stopAgent();
            system.host("h3").startAgent();
        }
    }

    // 3
    @Test
    @Order(3)
    void aStoppedDestinationAbortsAtTheDeadlineAndNothingIsDeregistered() throws Exception {
        VmInventoryEntry before = probe.binding("vm-2");
        system.host("h3").stopAgent();
        MigrationWatcher.Outcome outcome;
        try {
            outcome = migrate("vm-2", "h3", Optional.of(Duration.ofSeconds(4)));
        } finally {
            system.host("h3").startAgent();
        }
        assertThat(outcome.finalStep()).isEqualTo(MigrationStep.ABORTED);
        assertThat(outcome.reason()).contains(RefusalReason.DEADLINE_PASSED.name());
        assertThat(probe.binding("vm-2").getBinding()).isEqualTo(before.getBinding());
        assertThat(probe.hostsRunning("vm-2")).containsExactly("h1");
        assertThat(probe.installedKey("h1", "vm-2")).map(k -> k.keyFingerprint())
                .contains(before.getBinding().getKeyFingerprint());
        assertThat(probe.commandsTo("h1")).noneMatch(command -> command.getMessageType() == MessageType.DEREGISTER_VM
                && command.getVmId().equals("vm-2"));
        // The restarted destination catches up on the create and the abort: no target is left behind.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(probe.hostsRunning("vm-2")).containsExactly("h1"));
    }

    // 4a
    @Test
    @Order(4)
    void aDeregisterSignedByAnotherKeyIsRefusedAndReported() throws Exception {
        VmInventoryEntry binding = probe.binding("vm-6");
        assertThat(binding.getBinding().getHostId()).isEqualTo("h2");
        CryptoSuite crypto = CryptoSuites.get(suite());
        EnvelopeSealer forger = new EnvelopeSealer(crypto.signer(crypto.generateSigningKey()), Clock.systemUTC(),
                Duration.ofMinutes(1));
        SignedEnvelope forged = forger.seal(Addressing.of("forged-migration", "vm-6", "h2", binding.getBinding().getEpoch() + 1),
                DeregisterVm.newBuilder().setMigrationId("forged-migration").setVmId("vm-6")
                        .setEpoch(binding.getBinding().getEpoch() + 1)
                        .setRetiredKeyFingerprint(binding.getBinding().getKeyFingerprint()).build());
        produce(system.topics().hostCommands("h2"), "vm-6", forged);

        await().atMost(Duration.ofSeconds(30)).until(() -> !probe.alertsAbout(forged.getMessageId()).isEmpty());
        SecurityAlert alert = probe.alertsAbout(forged.getMessageId()).get(0);
        assertThat(alert.getReason()).isIn(RefusalReason.UNKNOWN_SIGNER, RefusalReason.SIGNATURE_INVALID);
        assertThat(alert.getSourceTopic()).isEqualTo("host.h2.commands");
        assertThat(probe.hostsRunning("vm-6")).containsExactly("h2");
        assertThat(probe.installedKey("h2", "vm-6")).isPresent();
    }

    // 4b
    @Test
    @Order(5)
    void aDeregisterReplayedFromAnEarlierMigrationIsRefusedAndReported() throws Exception {
        String first = migrationIdOf(migrate("vm-7", "h1", Optional.empty()));
        assertThat(migrate("vm-7", "h2", Optional.empty()).finalStep()).isEqualTo(MigrationStep.DONE);
        long epoch = probe.binding("vm-7").getBinding().getEpoch();
        SignedEnvelope earlierDeregister = probe.commandsTo("h2").stream()
                .filter(c -> c.getMessageType() == MessageType.DEREGISTER_VM && c.getMigrationId().equals(first))
                .findFirst().orElseThrow();

        produce(system.topics().hostCommands("h2"), "vm-7", earlierDeregister);

        await().atMost(Duration.ofSeconds(30)).until(() -> !probe.alertsAbout(earlierDeregister.getMessageId()).isEmpty());
        assertThat(probe.alertsAbout(earlierDeregister.getMessageId())).extracting(SecurityAlert::getReason)
                .containsOnly(RefusalReason.REPLAYED);
        assertThat(probe.hostsRunning("vm-7")).containsExactly("h2");
        assertThat(probe.installedKey("h2", "vm-7")).map(k -> k.epoch()).contains(epoch);
        assertThat(probe.binding("vm-7").getBinding().getEpoch()).isEqualTo(epoch);
    }

    // 5
    @Test
    @Order(6)
    void everyCommandDeliveredTwiceIsActedOnOnce() throws Exception {
        VmInventoryEntry before = probe.binding("vm-3");
        try (CommandDuplicator duplicator = new CommandDuplicator(system.clientProperties())) {
            duplicator.start();
            MigrationWatcher.Outcome outcome = migrate("vm-3", "h3", Optional.empty());
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
            assertThat(probe.binding("vm-3").getBinding().getEpoch()).isEqualTo(before.getBinding().getEpoch() + 1);
            assertThat(probe.hostsRunning("vm-3")).containsExactly("h3");
        }
    }

    // 6
    @Test
    @Order(7)
    void aSecondRequestForAMigratingVmIsRejected() throws Exception {
        system.host("h1").stopAgent();
        MigrationRequested first = operator.newRequest("vm-10", "h1", Optional.empty(), Optional.of(Duration.ofSeconds(60)), "it");
        var positions = MigrationWatcher.positionsNow(system.clientProperties());
        try {
            operator.send(first);
            await().atMost(Duration.ofSeconds(30)).until(() -> probe.audit(first.getMigrationId()).stream()
                    .anyMatch(r -> r.getStep() == MigrationStep.COMMANDED));
            MigrationRequested second = operator.newRequest("vm-10", "h2", Optional.empty(), Optional.empty(), "it");
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
        assertThat(probe.hostsRunning("vm-10")).containsExactly("h1");
    }

    // 7
    @Test
    @Order(8)
    void aVmMigratedRoundTheHostsHasOneBindingAtEveryMomentAndGrowingEpochs() throws Exception {
        long start = probe.binding("vm-4").getBinding().getEpoch();
        List<String> observations = new CopyOnWriteArrayList<>();
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                try {
                    VmInventoryEntry entry = system.center().bindings().get("vm-4");
                    observations.add(entry == null ? "none" : entry.getBinding().getHostId() + "@" + entry.getBinding().getEpoch());
                } catch (RuntimeException storeMovingDuringRebalance) {
                    // not an observation of the binding
                }
            }
        }, "binding-sampler");
        sampler.start();
        try {
            for (String[] hop : new String[][] {{"h2", "1"}, {"h3", "2"}, {"h1", "3"}}) {
                assertThat(migrate("vm-4", hop[0], Optional.empty()).finalStep()).isEqualTo(MigrationStep.DONE);
                VmInventoryEntry entry = probe.binding("vm-4");
                assertThat(entry.getBinding().getHostId()).isEqualTo(hop[0]);
                assertThat(entry.getBinding().getEpoch()).isEqualTo(start + Long.parseLong(hop[1]));
                assertThat(probe.hostsRunning("vm-4")).containsExactly(hop[0]);
                for (String other : system.hostIds()) {
                    assertThat(probe.installedKey(other, "vm-4").isPresent()).as("key of vm-4 on %s", other)
                            .isEqualTo(other.equals(hop[0]));
                }
            }
        } finally {
            sampling.set(false);
            sampler.join();
        }
        assertThat(observations).isNotEmpty().doesNotContain("none");
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
    @Order(9)
    void aCenterRestartedMidMigrationCompletesItExactlyOnce() throws Exception {
        long before = probe.binding("vm-11").getBinding().getEpoch();
        system.host("h2").stopAgent();
        MigrationRequested request = operator.newRequest("vm-11", "h2", Optional.empty(), Optional.of(Duration.ofSeconds(60)), "it");
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
        assertThat(probe.binding("vm-11").getBinding().getEpoch()).isEqualTo(before + 1);
        assertThat(probe.hostsRunning("vm-11")).containsExactly("h2");
    }

    // The center never crashes on input and never drops it: an undecodable request and a forged reply
    // end on the dead-letter topic with their origin in headers; the forgery also raises an alert.
    @Test
    @Order(10)
    void badInputToTheCenterIsDeadLetteredUnderExactlyOnce() throws Exception {
        byte[] garbage = "not a request".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Map<String, Object> props = new HashMap<>(system.clientProperties());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        long garbageOffset;
        try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            garbageOffset = producer.send(new ProducerRecord<>(system.topics().migrationRequests().name(),
                    "vm-12".getBytes(java.nio.charset.StandardCharsets.UTF_8), garbage)).get().offset();
        }
        CryptoSuite crypto = CryptoSuites.get(suite());
        EnvelopeSealer forger = new EnvelopeSealer(crypto.signer(crypto.generateSigningKey()), Clock.systemUTC(),
                Duration.ofMinutes(1));
        SignedEnvelope forgedReply = forger.seal(Addressing.of("forged-reply", "vm-12", "h3", 1),
                io.vmigrate.schema.reply.VmDeregistered.newBuilder().setMigrationId("forged-reply").setVmId("vm-12")
                        .setHostId("h3").setEpoch(1).setDestroyedKeyFingerprint("x")
                        .setDeregisteredAt(java.time.Instant.now()).build());
        produce(system.topics().hostEvents(), "vm-12", forgedReply);

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
        assertThat(migrate("vm-12", "h1", Optional.empty()).finalStep()).isEqualTo(MigrationStep.DONE);
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

    // 8: last, so it scans what every scenario above wrote.
    @Test
    @Order(100)
    void noVmPrivateKeyAppearsInAnyByteOfAnyTopic() throws Exception {
        List<byte[]> secrets = new ArrayList<>();
        for (String hostId : system.hostIds()) {
            List<byte[]> keys = ZoneVmKeys.installedPkcs8(system.host(hostId).secureZoneStateDir(),
                    system.host(hostId).sealingPassword(), suite());
            for (byte[] pkcs8 : keys) {
                secrets.add(pkcs8);
                secrets.add(KeyScan.rawPrivateValue(pkcs8));
            }
        }
        assertThat(secrets).hasSizeGreaterThanOrEqualTo(2 * 12);

        Set<String> topics;
        try (Admin admin = Admin.create(system.clientProperties())) {
            topics = admin.listTopics(new org.apache.kafka.clients.admin.ListTopicsOptions().listInternal(true)).names().get();
        }
        assertThat(topics).contains("__transaction_state", "__consumer_offsets", "migration.audit",
                "vmigrate-center-vm-keys-changelog", "vmigrate-center-migrations-changelog");
        long scanned = KeyScan.scanTopics(system.clientProperties(), topics, secrets);
        assertThat(scanned).as("bytes scanned").isGreaterThan(10_000);
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

    static final class KeyScan {
        private KeyScan() {}

        /** The 32-byte private scalar (SM2) or seed (Ed25519): the first OCTET STRING of 32 bytes in the PKCS#8. */
        static byte[] rawPrivateValue(byte[] pkcs8) {
            for (int i = 0; i + 34 <= pkcs8.length; i++) {
                if (pkcs8[i] == 0x04 && pkcs8[i + 1] == 0x20) {
                    return java.util.Arrays.copyOfRange(pkcs8, i + 2, i + 34);
                }
            }
            throw new AssertionError("no 32-byte private value in " + HexFormat.of().formatHex(pkcs8, 0, 8) + "...");
        }

        /** Reads every record of every topic (uncommitted ones too) and fails on any secret in a key, value or header. */
        static long scanTopics(Map<String, Object> client, Set<String> topics, List<byte[]> secrets) {
            Map<String, Object> props = new HashMap<>(TopicSnapshot.consumerProperties(client));
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
            props.put(ConsumerConfig.EXCLUDE_INTERNAL_TOPICS_CONFIG, false);
            long bytes = 0;
            try (var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                List<TopicPartition> partitions = new ArrayList<>();
                for (String topic : topics) {
                    partitions.addAll(TopicSnapshot.partitionsOf(consumer, topic));
                }
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
                while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                    for (var record : consumer.poll(Duration.ofMillis(200))) {
                        bytes += check(record.topic(), record.offset(), record.key(), secrets);
                        bytes += check(record.topic(), record.offset(), record.value(), secrets);
                        for (Header header : record.headers()) {
                            bytes += check(record.topic(), record.offset(), header.value(), secrets);
                        }
                    }
                }
            }
            return bytes;
        }

        private static long check(String topic, long offset, byte[] data, List<byte[]> secrets) {
            if (data == null) {
                return 0;
            }
            for (byte[] secret : secrets) {
                assertThat(indexOf(data, secret)).as("a VM private key in %s at offset %d", topic, offset).isEqualTo(-1);
            }
            return data.length;
        }

        private static int indexOf(byte[] data, byte[] pattern) {
            outer:
            for (int i = 0; i + pattern.length <= data.length; i++) {
                for (int j = 0; j < pattern.length; j++) {
                    if (data[i + j] != pattern[j]) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }
    }
}
