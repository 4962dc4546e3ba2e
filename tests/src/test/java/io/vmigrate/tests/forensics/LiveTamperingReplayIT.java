package io.vmigrate.tests.forensics;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.center.CenterVault;
import io.vmigrate.forensics.ExportFileSource;
import io.vmigrate.forensics.ReplayResult;
import io.vmigrate.forensics.Rule;
import io.vmigrate.embedded.EmbeddedSystem;
import io.vmigrate.schema.command.DeliverVmKey;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.envelope.EnvelopeSealer;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.forensics.ExportedRecord;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.Signer;
import io.vmigrate.trust.Suite;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tampering with the live topics of a running system is named by a replay from the cluster with
 * each planted record's coordinates. A system of its own, since it leaves the log tampered.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LiveTamperingReplayIT {

    EmbeddedSystem system;
    ReplayFixture log;
    Path export;

    @BeforeAll
    void runAMigration(@TempDir Path dataDir) throws Exception {
        system = EmbeddedSystem.builder().dataDir(dataDir).hosts(3).vmsPerHost(1).suite(Suite.GM)
                .defaultDeadline(Duration.ofSeconds(45)).deregisterRetry(Duration.ofSeconds(2)).build().start();
        log = new ReplayFixture(system);
        String vm = system.sampleVmIds().get(0);
        String from = system.awaitBindings(List.of(vm), Duration.ofSeconds(60)).get(vm).getBinding().getHostId();
        String to = system.hostIds().stream().filter(h -> !h.equals(from)).findFirst().orElseThrow();
        assertThat(log.migrate(vm, to, Optional.empty()).finalStep()).isEqualTo(MigrationStep.DONE);
        export = log.export(dataDir.resolve("export.avro"));
    }

    @AfterAll
    void stop() {
        if (system != null) {
            system.close();
        }
    }

    @Test
    void tamperingOnALiveTopicIsNamedWithItsRecord() throws Exception {
        List<ExportedRecord> records = new ArrayList<>();
        new ExportFileSource(export).read(t -> true, r -> records.add(ExportedRecord.newBuilder(r).build()));
        List<String> expected = new ArrayList<>();
        try (var producer = new KafkaProducer<>(system.clientProperties(), new ByteArraySerializer(), new ByteArraySerializer())) {
            ExportedRecord deregister = ReplayFixture.first(records, r -> ReplayFixture.isCommand(r, MessageType.DEREGISTER_VM));
            expected.add(Rule.REPLAYED_COMMAND + "@" + log.produce(producer, deregister.getTopic(), ByteBuffers.toArray(deregister.getValue())));

            SignedEnvelope forged = ReplayFixture.envelope(deregister);
            Signer stranger = CryptoSuites.get(Suite.GM).signer(CryptoSuites.get(Suite.GM).generateSigningKey());
            Instant now = Instant.now();
            byte[] forgedBytes = ByteBuffers.toArray(ReplayFixture.bytes(new EnvelopeSealer(stranger, Clock.systemUTC(), Duration.ofMinutes(5)).seal(
                    "forged-" + forged.getMessageId(), ReplayFixture.addressing(forged), ReplayFixture.decodeBody(forged), now, now.plusSeconds(300))));
            expected.add(Rule.UNKNOWN_SIGNER + "@" + log.produce(producer, deregister.getTopic(), forgedBytes));

            ExportedRecord delivery = ReplayFixture.first(records, r -> ReplayFixture.isCommand(r, MessageType.DELIVER_VM_KEY));
            SignedEnvelope original = ReplayFixture.envelope(delivery);
            DeliverVmKey misdirected = ReplayFixture.DELIVERIES.decode(ByteBuffers.toArray(original.getBody()));
            String elsewhere = system.hostIds().stream().filter(h -> !h.equals(original.getHostId())).findFirst().orElseThrow();
            misdirected.getBinding().setHostId(elsewhere);
            try (CenterVault vault = log.openCenterVault()) {
                byte[] wrongHost = ByteBuffers.toArray(ReplayFixture.bytes(new EnvelopeSealer(vault.signer(), Clock.systemUTC(), Duration.ofMinutes(5)).seal(
                        "wrong-host-" + original.getMessageId(), ReplayFixture.addressing(original), misdirected, now, now.plusSeconds(300))));
                expected.add(Rule.DELIVERY_FOR_WRONG_HOST + "@" + log.produce(producer, delivery.getTopic(), wrongHost));
            }

            ExportedRecord audit = ReplayFixture.first(records, r -> r.getTopic().equals(Topics.MIGRATION_AUDIT));
            expected.add(Rule.AUDIT_OUT_OF_ORDER + "@" + log.produce(producer, Topics.MIGRATION_AUDIT,
                    ByteBuffers.toArray(audit.getKey()), ByteBuffers.toArray(audit.getValue()), audit.getPartition()));
        }
        ReplayResult result = log.replayCluster();

        assertThat(ReplayFixture.found(result)).containsAll(expected);
    }
}
