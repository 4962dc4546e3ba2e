package io.vmigrate.tests.forensics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vmigrate.center.CenterVault;
import io.vmigrate.forensics.Anomaly;
import io.vmigrate.forensics.BindingRow;
import io.vmigrate.forensics.ClusterLogSource;
import io.vmigrate.forensics.ExportFileSource;
import io.vmigrate.forensics.LogExporter;
import io.vmigrate.forensics.ReplayEngine;
import io.vmigrate.forensics.ReplayResult;
import io.vmigrate.forensics.Rule;
import io.vmigrate.embedded.EmbeddedSystem;
import io.vmigrate.cli.operator.MigrationWatcher;
import io.vmigrate.cli.operator.Operator;
import io.vmigrate.schema.audit.AuditRecord;
import io.vmigrate.schema.command.DeliverVmKey;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.envelope.Addressing;
import io.vmigrate.schema.envelope.EnvelopeSealer;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.forensics.ExportedRecord;
import io.vmigrate.schema.request.MigrationRequested;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.Signer;
import io.vmigrate.trust.Suite;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
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
 * Forensic replay against a real system: a clean run of migrations (with an abort) replays with no
 * anomaly from the cluster and from an export, matching the live bindings; each planted tampering,
 * in an exported file and on a live topic, is named with its record.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplayIT {

    private static final Duration OUTCOME_TIMEOUT = Duration.ofSeconds(90);
    private static final Topics TOPICS = Topics.withDefaultWireFormat();
    private static final SingleObjectCodec<DeliverVmKey> DELIVERIES = SingleObjectCodec.of(DeliverVmKey.class);

    Path work;

    EmbeddedSystem system;
    Operator operator;
    Path export;
    final List<String> aborted = new ArrayList<>();

    @BeforeAll
    void runMigrations(@TempDir Path dataDir) throws Exception {
        work = Files.createDirectories(dataDir.resolve("forensics"));
        system = EmbeddedSystem.builder().dataDir(dataDir).hosts(3).vmsPerHost(2).suite(Suite.GM)
                .defaultDeadline(Duration.ofSeconds(45)).deregisterRetry(Duration.ofSeconds(2)).build().start();
        operator = system.operator();
        List<String> hosts = system.hostIds();
        Map<String, String> where = new TreeMap<>();
        system.awaitBindings(system.sampleVmIds(), Duration.ofSeconds(60))
                .forEach((vm, entry) -> where.put(vm, entry.getBinding().getHostId()));
        for (int round = 0; round < 2; round++) {
            for (var vm : where.entrySet()) {
                String to = hosts.get((hosts.indexOf(vm.getValue()) + 1) % hosts.size());
                assertThat(migrate(vm.getKey(), to, Optional.empty()).finalStep()).isEqualTo(MigrationStep.DONE);
                vm.setValue(to);
            }
        }
        var victim = where.entrySet().iterator().next();
        String destination = hosts.get((hosts.indexOf(victim.getValue()) + 1) % hosts.size());
        system.host(destination).stopAgent();
        try {
            assertThat(migrate(victim.getKey(), destination, Optional.of(Duration.ofSeconds(4))).finalStep())
                    .isEqualTo(MigrationStep.ABORTED);
        } finally {
            system.host(destination).startAgent();
        }
    }

    @AfterAll
    void stop() {
        if (system != null) {
            system.close();
        }
    }

    private MigrationWatcher.Outcome migrate(String vmId, String to, Optional<Duration> deadline) {
        MigrationRequested request = operator.newRequest(vmId, to, Optional.empty(), deadline, "replay-it");
        var outcome = operator.sendAndAwait(request, OUTCOME_TIMEOUT, step -> { });
        assertThat(outcome).as("migration of %s to %s ended", vmId, to).isPresent();
        return outcome.get();
    }

    private ReplayResult replayCluster() throws Exception {
        try (var source = ClusterLogSource.open(system.clientProperties(), null, null)) {
            return ReplayEngine.replay(source, Optional.of(system.center().centerPublicKey()), Optional.empty(),
                    ReplayEngine.DEFAULT_CLOCK_SKEW);
        }
    }

    private ReplayResult replayFile(Path file) throws Exception {
        return ReplayEngine.replay(new ExportFileSource(file), Optional.of(system.center().centerPublicKey()),
                Optional.empty(), ReplayEngine.DEFAULT_CLOCK_SKEW);
    }

    private List<BindingRow> liveBindings() {
        List<BindingRow> rows = new ArrayList<>();
        new TreeMap<>(operator.bindings()).values().forEach(entry -> {
            var b = entry.getBinding();
            rows.add(new BindingRow(b.getVmId(), b.getHostId(), b.getEpoch(), b.getKeyFingerprint(), b.getMigrationId()));
        });
        return rows;
    }

    @Test
    @Order(1)
    void aCleanRunReplaysWithoutAnomaliesFromTheClusterAndFromAnExport() throws Exception {
        // The restarted destination catches up on the aborted migration's commands; wait until it has.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(replayCluster().anomalies()).isEmpty());
        ReplayResult cluster = replayCluster();
        // 12 migrations and 6 registrations are DONE, one migration aborted.
        assertThat(cluster.migrations()).isEqualTo(13);
        assertThat(cluster.registrations()).isEqualTo(6);
        assertThat(cluster.outcomes()).containsEntry("DONE", 18L).containsEntry("ABORTED", 1L);
        assertThat(cluster.bindings()).hasSize(6).containsExactlyElementsOf(liveBindings());

        export = work.resolve("export.avro");
        try (var source = ClusterLogSource.open(system.clientProperties(), null, null)) {
            LogExporter.export(source, export, Instant.now(), system.bootstrapServers(), "it");
        }
        ReplayResult file = replayFile(export);
        assertThat(file.anomalies()).isEmpty();
        assertThat(file.bindings()).isEqualTo(cluster.bindings());
        assertThat(file.recordsPerTopic()).isEqualTo(cluster.recordsPerTopic());
        assertThat(replayFile(export).toJson()).isEqualTo(file.toJson());
    }

    @Test
    @Order(2)
    void auditTailVerifiesTheCleanLogAndExitsZero() {
        var out = new java.io.StringWriter();
        var command = new picocli.CommandLine(new io.vmigrate.cli.AuditCommand());
        command.setOut(new java.io.PrintWriter(out));
        int exit = command.execute("tail", "--bootstrap", system.bootstrapServers(), "--data-dir", system.dataDir().toString());

        assertThat(exit).as(out.toString()).isZero();
        assertThat(out.toString()).contains("COMMITTED").doesNotContain("!!").contains(" 0 break(s)");
    }

    @Test
    @Order(2)
    void auditTailFollowsNewTransitionsAsTheyHappen() throws Exception {
        io.vmigrate.forensics.TrustedKeys keys;
        try (var registry = io.vmigrate.forensics.ClusterLogSource.open(system.clientProperties(), null, null)) {
            keys = io.vmigrate.forensics.TrustedKeys.load(registry,
                    io.vmigrate.forensics.CenterKeyOption.resolve(null, system.dataDir()), TOPICS);
        }
        String vmId = system.sampleVmIds().get(1);
        var tail = new io.vmigrate.forensics.AuditTail(system.clientProperties(), keys,
                new io.vmigrate.forensics.AuditTail.Options(true, true, null, vmId, false));
        var out = new java.io.StringWriter();
        var stop = new java.util.concurrent.atomic.AtomicBoolean();
        var breaks = new java.util.concurrent.atomic.AtomicLong(-1);
        Thread follower = new Thread(() -> breaks.set(tail.run(new java.io.PrintWriter(out), stop::get)), "audit-follower");
        follower.start();
        try {
            String to = system.hostIds().stream()
                    .filter(h -> !h.equals(operator.bindings().get(vmId).getBinding().getHostId())).findFirst().orElseThrow();
            MigrationWatcher.Outcome outcome = migrate(vmId, to, Optional.empty());
            assertThat(outcome.finalStep()).isEqualTo(MigrationStep.DONE);
            String newKey = operator.bindings().get(vmId).getBinding().getKeyFingerprint();
            // The follower keeps reading after reaching the end: the new migration's DONE arrives while it runs.
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                synchronized (out) {
                    assertThat(out.toString().lines().filter(line -> line.contains(" DONE ") && line.contains(newKey)))
                            .isNotEmpty();
                }
            });
            assertThat(follower.isAlive()).as("still following").isTrue();
        } finally {
            stop.set(true);
            follower.join();
        }
        assertThat(breaks.get()).isZero();
        assertThat(out.toString()).doesNotContain("!!").contains("vm " + vmId);
    }

    // ---- tampering in an exported file

    @Test
    @Order(3)
    void tamperingInAnExportedFileIsNamedWithItsRecord() throws Exception {
        List<ExportedRecord> records = new ArrayList<>();
        new ExportFileSource(export).read(t -> true, r -> records.add(ExportedRecord.newBuilder(r).build()));
        List<String> expected = new ArrayList<>();

        // a forged command: a MigrateOut re-signed by a key nobody registered
        ExportedRecord migrateOut = first(records, r -> isCommand(r, MessageType.MIGRATE_OUT));
        SignedEnvelope forged = envelope(migrateOut);
        Signer stranger = CryptoSuites.get(Suite.GM).signer(CryptoSuites.get(Suite.GM).generateSigningKey());
        migrateOut.setValue(bytes(new EnvelopeSealer(stranger, Clock.systemUTC(), Duration.ofMinutes(5)).seal(
                forged.getMessageId(), addressing(forged), decodeBody(forged), forged.getIssuedAt(), forged.getExpiresAt())));
        expected.add(Rule.UNKNOWN_SIGNER + "@" + coordinates(migrateOut));

        // a modified body under the old signature
        ExportedRecord delivery = first(records, r -> isCommand(r, MessageType.DELIVER_VM_KEY));
        SignedEnvelope modified = envelope(delivery);
        DeliverVmKey body = DELIVERIES.decode(ByteBuffers.toArray(modified.getBody()));
        body.getBinding().setEpoch(body.getBinding().getEpoch() + 5);
        modified.setBody(ByteBuffer.wrap(DELIVERIES.encode(body)));
        delivery.setValue(bytes(modified));
        expected.add(Rule.SIGNATURE_INVALID + "@" + coordinates(delivery));

        // a key delivery for the wrong host, signed with the real center key
        ExportedRecord other = records.stream().filter(r -> isCommand(r, MessageType.DELIVER_VM_KEY)).skip(3).findFirst().orElseThrow();
        SignedEnvelope original = envelope(other);
        DeliverVmKey misdirected = DELIVERIES.decode(ByteBuffers.toArray(original.getBody()));
        String elsewhere = system.hostIds().stream().filter(h -> !h.equals(original.getHostId())).findFirst().orElseThrow();
        misdirected.getBinding().setHostId(elsewhere);
        try (CenterVault vault = openCenterVault()) {
            other.setValue(bytes(new EnvelopeSealer(vault.signer(), Clock.systemUTC(), Duration.ofMinutes(5)).seal(
                    original.getMessageId() + "-x", addressing(original), misdirected, original.getIssuedAt(),
                    original.getExpiresAt())));
        }
        expected.add(Rule.DELIVERY_FOR_WRONG_HOST + "@" + coordinates(other));

        // a dropped audit record and two swapped ones, in two DONE migrations
        List<ExportedRecord> audit = records.stream().filter(r -> r.getTopic().equals(Topics.MIGRATION_AUDIT)).toList();
        List<String> done = audit.stream().map(ReplayIT::auditOf).filter(a -> a.getStep() == MigrationStep.DONE)
                .map(AuditRecord::getMigrationId).filter(id -> !id.startsWith("register:")).distinct().toList();
        List<ExportedRecord> droppedChain = chain(audit, done.get(0));
        records.remove(droppedChain.get(2));
        expected.add(Rule.AUDIT_GAP + "@" + coordinates(droppedChain.get(3)));
        List<ExportedRecord> swappedChain = chain(audit, done.get(1));
        ByteBuffer third = swappedChain.get(2).getValue();
        swappedChain.get(2).setValue(swappedChain.get(3).getValue());
        swappedChain.get(3).setValue(third);
        expected.add(Rule.AUDIT_GAP + "@" + coordinates(swappedChain.get(2)));
        expected.add(Rule.AUDIT_OUT_OF_ORDER + "@" + coordinates(swappedChain.get(3)));

        // a deregister from an earlier migration replayed at a later offset of its topic
        ExportedRecord deregister = first(records, r -> isCommand(r, MessageType.DEREGISTER_VM));
        long next = records.stream().filter(r -> r.getTopic().equals(deregister.getTopic())
                && r.getPartition() == deregister.getPartition()).mapToLong(ExportedRecord::getOffset).max().orElseThrow() + 1;
        ExportedRecord replayed = ExportedRecord.newBuilder(deregister).setOffset(next).setTimestamp(Instant.now()).build();
        records.add(records.indexOf(deregister) + 1, replayed);
        records.sort(java.util.Comparator.comparing(ExportedRecord::getTopic).thenComparing(ExportedRecord::getPartition)
                .thenComparing(ExportedRecord::getOffset));
        expected.add(Rule.REPLAYED_COMMAND + "@" + coordinates(replayed));

        Path tampered = work.resolve("tampered.avro");
        try (var writer = new DataFileWriter<>(new SpecificDatumWriter<>(ExportedRecord.class))) {
            writer.setCodec(CodecFactory.deflateCodec(6));
            writer.create(ExportedRecord.getClassSchema(), tampered.toFile());
            for (ExportedRecord record : records) {
                writer.append(record);
            }
        }
        ReplayResult result = replayFile(tampered);

        assertThat(found(result)).containsAll(expected);
        assertThat(result.clean()).isFalse();
    }

    // ---- tampering on live topics

    @Test
    @Order(4)
    void tamperingOnALiveTopicIsNamedWithItsRecord() throws Exception {
        List<ExportedRecord> records = new ArrayList<>();
        new ExportFileSource(export).read(t -> true, r -> records.add(ExportedRecord.newBuilder(r).build()));
        List<String> expected = new ArrayList<>();
        try (var producer = new KafkaProducer<>(system.clientProperties(), new ByteArraySerializer(), new ByteArraySerializer())) {
            ExportedRecord deregister = first(records, r -> isCommand(r, MessageType.DEREGISTER_VM));
            expected.add(Rule.REPLAYED_COMMAND + "@" + produce(producer, deregister.getTopic(), ByteBuffers.toArray(deregister.getValue())));

            SignedEnvelope forged = envelope(deregister);
            Signer stranger = CryptoSuites.get(Suite.GM).signer(CryptoSuites.get(Suite.GM).generateSigningKey());
            Instant now = Instant.now();
            byte[] forgedBytes = ByteBuffers.toArray(bytes(new EnvelopeSealer(stranger, Clock.systemUTC(), Duration.ofMinutes(5)).seal(
                    "forged-" + forged.getMessageId(), addressing(forged), decodeBody(forged), now, now.plusSeconds(300))));
            expected.add(Rule.UNKNOWN_SIGNER + "@" + produce(producer, deregister.getTopic(), forgedBytes));

            ExportedRecord delivery = first(records, r -> isCommand(r, MessageType.DELIVER_VM_KEY));
            SignedEnvelope original = envelope(delivery);
            DeliverVmKey misdirected = DELIVERIES.decode(ByteBuffers.toArray(original.getBody()));
            String elsewhere = system.hostIds().stream().filter(h -> !h.equals(original.getHostId())).findFirst().orElseThrow();
            misdirected.getBinding().setHostId(elsewhere);
            try (CenterVault vault = openCenterVault()) {
                byte[] wrongHost = ByteBuffers.toArray(bytes(new EnvelopeSealer(vault.signer(), Clock.systemUTC(), Duration.ofMinutes(5)).seal(
                        "wrong-host-" + original.getMessageId(), addressing(original), misdirected, now, now.plusSeconds(300))));
                expected.add(Rule.DELIVERY_FOR_WRONG_HOST + "@" + produce(producer, delivery.getTopic(), wrongHost));
            }

            ExportedRecord audit = first(records, r -> r.getTopic().equals(Topics.MIGRATION_AUDIT));
            expected.add(Rule.AUDIT_OUT_OF_ORDER + "@" + produce(producer, Topics.MIGRATION_AUDIT,
                    ByteBuffers.toArray(audit.getKey()), ByteBuffers.toArray(audit.getValue()), audit.getPartition()));
        }
        ReplayResult result = replayCluster();

        assertThat(found(result)).containsAll(expected);
    }

    // ---- helpers

    private String produce(KafkaProducer<byte[], byte[]> producer, String topic, byte[] value) throws Exception {
        return produce(producer, topic, null, value, 0);
    }

    private String produce(KafkaProducer<byte[], byte[]> producer, String topic, byte[] key, byte[] value, int partition)
            throws Exception {
        RecordMetadata sent = producer.send(new ProducerRecord<>(topic, partition, key, value)).get();
        return sent.topic() + "/" + sent.partition() + "@" + sent.offset();
    }

    private CenterVault openCenterVault() throws Exception {
        Properties secrets = new Properties();
        try (InputStream in = Files.newInputStream(system.dataDir().resolve("secrets.properties"))) {
            secrets.load(in);
        }
        return CenterVault.openOrCreate(system.dataDir().resolve("center").resolve("vault.bcfks"),
                secrets.getProperty("center.vault").toCharArray(), Suite.GM);
    }

    private static List<String> found(ReplayResult result) {
        return result.anomalies().stream().map(a -> a.rule() + "@" + a.coordinates()).toList();
    }

    private static String coordinates(ExportedRecord record) {
        return record.getTopic() + "/" + record.getPartition() + "@" + record.getOffset();
    }

    private static ExportedRecord first(List<ExportedRecord> records, Predicate<ExportedRecord> test) {
        return records.stream().filter(test).findFirst().orElseThrow();
    }

    private static boolean isCommand(ExportedRecord record, MessageType type) {
        return Topics.hostIdOfCommandTopic(record.getTopic()).isPresent() && record.getValue() != null
                && envelope(record).getMessageType() == type;
    }

    private static SignedEnvelope envelope(ExportedRecord record) {
        return TOPICS.hostEvents().valueSerde().deserializer().deserialize(record.getTopic(), ByteBuffers.toArray(record.getValue()));
    }

    private static ByteBuffer bytes(SignedEnvelope envelope) {
        return ByteBuffer.wrap(TOPICS.hostEvents().valueSerde().serializer().serialize(Topics.HOST_EVENTS, envelope));
    }

    private static Addressing addressing(SignedEnvelope envelope) {
        return Addressing.of(envelope.getMigrationId(), envelope.getVmId(), envelope.getHostId(), envelope.getBindingEpoch());
    }

    private static org.apache.avro.specific.SpecificRecord decodeBody(SignedEnvelope envelope) {
        var codec = SingleObjectCodec.of(io.vmigrate.schema.envelope.MessageCatalogue.bodyClassOf(envelope.getMessageType()));
        return codec.decode(ByteBuffers.toArray(envelope.getBody()));
    }

    private static AuditRecord auditOf(ExportedRecord record) {
        return TOPICS.migrationAudit().valueSerde().deserializer().deserialize(record.getTopic(), ByteBuffers.toArray(record.getValue()));
    }

    private static List<ExportedRecord> chain(List<ExportedRecord> audit, String migrationId) {
        return audit.stream().filter(r -> auditOf(r).getMigrationId().equals(migrationId)).toList();
    }
}
