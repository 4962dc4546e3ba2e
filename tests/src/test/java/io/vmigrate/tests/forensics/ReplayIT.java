package io.vmigrate.tests.forensics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vmigrate.center.CenterVault;
import io.vmigrate.forensics.BindingRow;
import io.vmigrate.forensics.ClusterLogSource;
import io.vmigrate.forensics.ExportFileSource;
import io.vmigrate.forensics.ReplayResult;
import io.vmigrate.forensics.Rule;
import io.vmigrate.embedded.EmbeddedSystem;
import io.vmigrate.cli.operator.MigrationWatcher;
import io.vmigrate.cli.operator.Operator;
import io.vmigrate.schema.audit.AuditRecord;
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
import java.util.TreeMap;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Forensic replay against a real system: a clean run of migrations (with an abort) replays with no
 * anomaly from the cluster and from an export, matching the live bindings, and each tampering planted
 * in an exported file is named with its record. Every test reads the clean log captured before any
 * of them ran, or adds only clean migrations, so they pass in any order; tampering with live topics
 * has a system of its own ({@link LiveTamperingReplayIT}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplayIT {

    Path work;

    EmbeddedSystem system;
    Operator operator;
    ReplayFixture log;
    /** The clean log as it was before any test ran, and its replay from the cluster at that moment. */
    Path export;
    ReplayResult cleanCluster;
    List<BindingRow> cleanBindings;

    @BeforeAll
    void runMigrations(@TempDir Path dataDir) throws Exception {
        work = Files.createDirectories(dataDir.resolve("forensics"));
        system = EmbeddedSystem.builder().dataDir(dataDir).hosts(3).vmsPerHost(2).suite(Suite.GM)
                .defaultDeadline(Duration.ofSeconds(45)).deregisterRetry(Duration.ofSeconds(2)).build().start();
        operator = system.operator();
        log = new ReplayFixture(system);
        List<String> hosts = system.hostIds();
        Map<String, String> where = new TreeMap<>();
        system.awaitBindings(system.sampleVmIds(), Duration.ofSeconds(60))
                .forEach((vm, entry) -> where.put(vm, entry.getBinding().getHostId()));
        for (int round = 0; round < 2; round++) {
            for (var vm : where.entrySet()) {
                String to = hosts.get((hosts.indexOf(vm.getValue()) + 1) % hosts.size());
                assertThat(log.migrate(vm.getKey(), to, Optional.empty()).finalStep()).isEqualTo(MigrationStep.DONE);
                vm.setValue(to);
            }
        }
        var victim = where.entrySet().iterator().next();
        String destination = hosts.get((hosts.indexOf(victim.getValue()) + 1) % hosts.size());
        system.host(destination).stopAgent();
        try {
            assertThat(log.migrate(victim.getKey(), destination, Optional.of(Duration.ofSeconds(4))).finalStep())
                    .isEqualTo(MigrationStep.ABORTED);
        } finally {
            system.host(destination).startAgent();
        }
        // The restarted destination catches up on the aborted migration's commands; wait until it has.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(log.replayCluster().anomalies()).isEmpty());
        cleanCluster = log.replayCluster();
        cleanBindings = log.liveBindings();
        export = log.export(work.resolve("export.avro"));
    }

    @AfterAll
    void stop() {
        if (system != null) {
            system.close();
        }
    }

    @Test
    void aCleanRunReplaysWithoutAnomaliesFromTheClusterAndFromAnExport() throws Exception {
        ReplayResult cluster = cleanCluster;
        // 12 migrations and 6 registrations are DONE, one migration aborted.
        assertThat(cluster.migrations()).isEqualTo(13);
        assertThat(cluster.registrations()).isEqualTo(6);
        assertThat(cluster.outcomes()).containsEntry("DONE", 18L).containsEntry("ABORTED", 1L);
        assertThat(cluster.bindings()).hasSize(6).containsExactlyElementsOf(cleanBindings);

        ReplayResult file = log.replayFile(export);
        assertThat(file.anomalies()).isEmpty();
        assertThat(file.bindings()).isEqualTo(cluster.bindings());
        assertThat(file.recordsPerTopic()).isEqualTo(cluster.recordsPerTopic());
        assertThat(log.replayFile(export).toJson()).isEqualTo(file.toJson());
    }

    @Test
    void auditTailVerifiesTheCleanLogAndExitsZero() {
        var out = new java.io.StringWriter();
        var command = new picocli.CommandLine(new io.vmigrate.cli.AuditCommand());
        command.setOut(new java.io.PrintWriter(out));
        int exit = command.execute("tail", "--bootstrap", system.bootstrapServers(), "--data-dir", system.dataDir().toString());

        assertThat(exit).as(out.toString()).isZero();
        assertThat(out.toString()).contains("COMMITTED").doesNotContain("!!").contains(" 0 break(s)");
    }

    @Test
    void auditTailFollowsNewTransitionsAsTheyHappen() throws Exception {
        io.vmigrate.forensics.TrustedKeys keys;
        try (var registry = io.vmigrate.forensics.ClusterLogSource.open(system.clientProperties(), null, null)) {
            keys = io.vmigrate.forensics.TrustedKeys.load(registry,
                    io.vmigrate.forensics.CenterKeyOption.resolve(null, system.dataDir()), ReplayFixture.TOPICS);
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
            MigrationWatcher.Outcome outcome = log.migrate(vmId, to, Optional.empty());
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
    void tamperingInAnExportedFileIsNamedWithItsRecord() throws Exception {
        List<ExportedRecord> records = new ArrayList<>();
        new ExportFileSource(export).read(t -> true, r -> records.add(ExportedRecord.newBuilder(r).build()));
        List<String> expected = new ArrayList<>();

        // a forged command: a MigrateOut re-signed by a key nobody registered
        ExportedRecord migrateOut = ReplayFixture.first(records, r -> ReplayFixture.isCommand(r, MessageType.MIGRATE_OUT));
        SignedEnvelope forged = ReplayFixture.envelope(migrateOut);
        Signer stranger = CryptoSuites.get(Suite.GM).signer(CryptoSuites.get(Suite.GM).generateSigningKey());
        migrateOut.setValue(ReplayFixture.bytes(new EnvelopeSealer(stranger, Clock.systemUTC(), Duration.ofMinutes(5)).seal(
                forged.getMessageId(), ReplayFixture.addressing(forged), ReplayFixture.decodeBody(forged), forged.getIssuedAt(), forged.getExpiresAt())));
        expected.add(Rule.UNKNOWN_SIGNER + "@" + ReplayFixture.coordinates(migrateOut));

        // a modified body under the old signature
        ExportedRecord delivery = ReplayFixture.first(records, r -> ReplayFixture.isCommand(r, MessageType.DELIVER_VM_KEY));
        SignedEnvelope modified = ReplayFixture.envelope(delivery);
        DeliverVmKey body = ReplayFixture.DELIVERIES.decode(ByteBuffers.toArray(modified.getBody()));
        body.getBinding().setEpoch(body.getBinding().getEpoch() + 5);
        modified.setBody(ByteBuffer.wrap(ReplayFixture.DELIVERIES.encode(body)));
        delivery.setValue(ReplayFixture.bytes(modified));
        expected.add(Rule.SIGNATURE_INVALID + "@" + ReplayFixture.coordinates(delivery));

        // a key delivery for the wrong host, signed with the real center key
        ExportedRecord other = records.stream().filter(r -> ReplayFixture.isCommand(r, MessageType.DELIVER_VM_KEY)).skip(3).findFirst().orElseThrow();
        SignedEnvelope original = ReplayFixture.envelope(other);
        DeliverVmKey misdirected = ReplayFixture.DELIVERIES.decode(ByteBuffers.toArray(original.getBody()));
        String elsewhere = system.hostIds().stream().filter(h -> !h.equals(original.getHostId())).findFirst().orElseThrow();
        misdirected.getBinding().setHostId(elsewhere);
        try (CenterVault vault = log.openCenterVault()) {
            other.setValue(ReplayFixture.bytes(new EnvelopeSealer(vault.signer(), Clock.systemUTC(), Duration.ofMinutes(5)).seal(
                    original.getMessageId() + "-x", ReplayFixture.addressing(original), misdirected, original.getIssuedAt(),
                    original.getExpiresAt())));
        }
        expected.add(Rule.DELIVERY_FOR_WRONG_HOST + "@" + ReplayFixture.coordinates(other));

        // a dropped audit record and two swapped ones, in two DONE migrations
        List<ExportedRecord> audit = records.stream().filter(r -> r.getTopic().equals(Topics.MIGRATION_AUDIT)).toList();
        List<String> done = audit.stream().map(ReplayFixture::auditOf).filter(a -> a.getStep() == MigrationStep.DONE)
                .map(AuditRecord::getMigrationId).filter(id -> !id.startsWith("register:")).distinct().toList();
        List<ExportedRecord> droppedChain = ReplayFixture.chain(audit, done.get(0));
        records.remove(droppedChain.get(2));
        expected.add(Rule.AUDIT_GAP + "@" + ReplayFixture.coordinates(droppedChain.get(3)));
        List<ExportedRecord> swappedChain = ReplayFixture.chain(audit, done.get(1));
        ByteBuffer third = swappedChain.get(2).getValue();
        swappedChain.get(2).setValue(swappedChain.get(3).getValue());
        swappedChain.get(3).setValue(third);
        expected.add(Rule.AUDIT_GAP + "@" + ReplayFixture.coordinates(swappedChain.get(2)));
        expected.add(Rule.AUDIT_OUT_OF_ORDER + "@" + ReplayFixture.coordinates(swappedChain.get(3)));

        // a deregister from an earlier migration replayed at a later offset of its topic
        ExportedRecord deregister = ReplayFixture.first(records, r -> ReplayFixture.isCommand(r, MessageType.DEREGISTER_VM));
        long next = records.stream().filter(r -> r.getTopic().equals(deregister.getTopic())
                && r.getPartition() == deregister.getPartition()).mapToLong(ExportedRecord::getOffset).max().orElseThrow() + 1;
        ExportedRecord replayed = ExportedRecord.newBuilder(deregister).setOffset(next).setTimestamp(Instant.now()).build();
        records.add(records.indexOf(deregister) + 1, replayed);
        records.sort(java.util.Comparator.comparing(ExportedRecord::getTopic).thenComparing(ExportedRecord::getPartition)
                .thenComparing(ExportedRecord::getOffset));
        expected.add(Rule.REPLAYED_COMMAND + "@" + ReplayFixture.coordinates(replayed));

        Path tampered = work.resolve("tampered.avro");
        try (var writer = new DataFileWriter<>(new SpecificDatumWriter<>(ExportedRecord.class))) {
            writer.setCodec(CodecFactory.deflateCodec(6));
            writer.create(ExportedRecord.getClassSchema(), tampered.toFile());
            for (ExportedRecord record : records) {
                writer.append(record);
            }
        }
        ReplayResult result = log.replayFile(tampered);

        assertThat(ReplayFixture.found(result)).containsAll(expected);
        assertThat(result.clean()).isFalse();
    }
}
