package io.vmigrate.tests.forensics;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.center.CenterVault;
import io.vmigrate.forensics.BindingRow;
import io.vmigrate.forensics.ClusterLogSource;
import io.vmigrate.forensics.ExportFileSource;
import io.vmigrate.forensics.LogExporter;
import io.vmigrate.forensics.ReplayEngine;
import io.vmigrate.forensics.ReplayResult;
import io.vmigrate.embedded.EmbeddedSystem;
import io.vmigrate.cli.operator.MigrationWatcher;
import io.vmigrate.cli.operator.Operator;
import io.vmigrate.schema.audit.AuditRecord;
import io.vmigrate.schema.command.DeliverVmKey;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.envelope.Addressing;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.forensics.ExportedRecord;
import io.vmigrate.schema.request.MigrationRequested;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.trust.Suite;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/** A running system's log as the forensic tests read and tamper with it: replays, exports, and the records they forge. */
final class ReplayFixture {

    static final Duration OUTCOME_TIMEOUT = Duration.ofSeconds(90);
    static final Topics TOPICS = Topics.withDefaultWireFormat();
    static final SingleObjectCodec<DeliverVmKey> DELIVERIES = SingleObjectCodec.of(DeliverVmKey.class);

    private final EmbeddedSystem system;
    private final Operator operator;

    ReplayFixture(EmbeddedSystem system) {
        this.system = system;
        this.operator = system.operator();
    }

    /** Writes the whole log of the cluster, as it is now, to {@code file}. */
    Path export(Path file) throws Exception {
        try (var source = ClusterLogSource.open(system.clientProperties(), null, null)) {
            LogExporter.export(source, file, Instant.now(), system.bootstrapServers(), "it");
        }
        return file;
    }

    MigrationWatcher.Outcome migrate(String vmId, String to, Optional<Duration> deadline) {
        MigrationRequested request = operator.newRequest(vmId, to, Optional.empty(), deadline, "replay-it");
        var outcome = operator.sendAndAwait(request, OUTCOME_TIMEOUT, step -> { });
        assertThat(outcome).as("migration of %s to %s ended", vmId, to).isPresent();
        return outcome.get();
    }

    ReplayResult replayCluster() throws Exception {
        try (var source = ClusterLogSource.open(system.clientProperties(), null, null)) {
            return ReplayEngine.replay(source, Optional.of(system.center().centerPublicKey()), Optional.empty(),
                    ReplayEngine.DEFAULT_CLOCK_SKEW);
        }
    }

    ReplayResult replayFile(Path file) throws Exception {
        return ReplayEngine.replay(new ExportFileSource(file), Optional.of(system.center().centerPublicKey()),
                Optional.empty(), ReplayEngine.DEFAULT_CLOCK_SKEW);
    }

    List<BindingRow> liveBindings() {
        List<BindingRow> rows = new ArrayList<>();
        new TreeMap<>(operator.bindings()).values().forEach(entry -> {
            var b = entry.getBinding();
            rows.add(new BindingRow(b.getVmId(), b.getHostId(), b.getEpoch(), b.getKeyFingerprint(), b.getMigrationId()));
        });
        return rows;
    }


    String produce(KafkaProducer<byte[], byte[]> producer, String topic, byte[] value) throws Exception {
        return produce(producer, topic, null, value, 0);
    }

    String produce(KafkaProducer<byte[], byte[]> producer, String topic, byte[] key, byte[] value, int partition)
            throws Exception {
        RecordMetadata sent = producer.send(new ProducerRecord<>(topic, partition, key, value)).get();
        return sent.topic() + "/" + sent.partition() + "@" + sent.offset();
    }

    CenterVault openCenterVault() throws Exception {
        Properties secrets = new Properties();
        try (InputStream in = Files.newInputStream(system.dataDir().resolve("secrets.properties"))) {
            secrets.load(in);
        }
        return CenterVault.openOrCreate(system.dataDir().resolve("center").resolve("vault.bcfks"),
                secrets.getProperty("center.vault").toCharArray(), Suite.GM);
    }

    static List<String> found(ReplayResult result) {
        return result.anomalies().stream().map(a -> a.rule() + "@" + a.coordinates()).toList();
    }

    static String coordinates(ExportedRecord record) {
        return record.getTopic() + "/" + record.getPartition() + "@" + record.getOffset();
    }

    static ExportedRecord first(List<ExportedRecord> records, Predicate<ExportedRecord> test) {
        return records.stream().filter(test).findFirst().orElseThrow();
    }

    static boolean isCommand(ExportedRecord record, MessageType type) {
        return Topics.hostIdOfCommandTopic(record.getTopic()).isPresent() && record.getValue() != null
                && envelope(record).getMessageType() == type;
    }

    static SignedEnvelope envelope(ExportedRecord record) {
        return TOPICS.hostEvents().valueSerde().deserializer().deserialize(record.getTopic(), ByteBuffers.toArray(record.getValue()));
    }

    static ByteBuffer bytes(SignedEnvelope envelope) {
        return ByteBuffer.wrap(TOPICS.hostEvents().valueSerde().serializer().serialize(Topics.HOST_EVENTS, envelope));
    }

    static Addressing addressing(SignedEnvelope envelope) {
        return Addressing.of(envelope.getMigrationId(), envelope.getVmId(), envelope.getHostId(), envelope.getBindingEpoch());
    }

    static org.apache.avro.specific.SpecificRecord decodeBody(SignedEnvelope envelope) {
        var codec = SingleObjectCodec.of(io.vmigrate.schema.envelope.MessageCatalogue.bodyClassOf(envelope.getMessageType()));
        return codec.decode(ByteBuffers.toArray(envelope.getBody()));
    }

    static AuditRecord auditOf(ExportedRecord record) {
        return TOPICS.migrationAudit().valueSerde().deserializer().deserialize(record.getTopic(), ByteBuffers.toArray(record.getValue()));
    }

    static List<ExportedRecord> chain(List<ExportedRecord> audit, String migrationId) {
        return audit.stream().filter(r -> auditOf(r).getMigrationId().equals(migrationId)).toList();
    }
}
