package io.vmigrate.forensics;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.audit.AuditRecord;
import io.vmigrate.schema.command.DeregisterVm;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.forensics.ExportedRecord;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.trust.Signer;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ReplayEngineTest {

    SyntheticLog log;
    SyntheticLog.Migration first;
    SyntheticLog.Migration second;

    @BeforeEach
    void cleanLog() throws Exception {
        log = new SyntheticLog();
        log.enroll("h1");
        log.enroll("h2");
        first = log.migrate("m1", "vm-1", "h1", "h2", 0, SyntheticLog.T0.plusSeconds(10));
        second = log.migrate("m2", "vm-1", "h2", "h1", 1, SyntheticLog.T0.plusSeconds(100));
    }

    private ReplayResult replay() throws Exception {
        return ReplayEngine.replay(log, Optional.of(log.center.centerPublicKey()), Optional.empty(), Duration.ofSeconds(30));
    }

    private static List<String> found(ReplayResult result) {
        return result.anomalies().stream().map(a -> a.rule() + "@" + a.coordinates()).toList();
    }

    private static String at(Rule rule, ExportedRecord record) {
        return rule + "@" + record.getTopic() + "/" + record.getPartition() + "@" + record.getOffset();
    }

    @Test
    void aCleanLogReplaysWithoutAnomaliesAndRebuildsTheBinding() throws Exception {
        ReplayResult result = replay();

        assertThat(result.anomalies()).isEmpty();
        assertThat(result.migrations()).isEqualTo(2);
        assertThat(result.outcomes()).containsEntry("DONE", 2L);
        assertThat(result.bindings()).containsExactly(new BindingRow("vm-1", "h1", 2, second.fingerprint, "m2"));
        assertThat(result.bindingsComparedWith()).isEqualTo(Topics.VM_INVENTORY);
    }

    @Test
    void theJsonReportIsByteIdenticalAcrossReplays() throws Exception {
        ExportedRecord original = first.lastDeregister;
        log.produce(original.getTopic(), "vm-1", ByteBuffers.toArray(original.getValue()), SyntheticLog.T0.plusSeconds(200));
        String once = replay().toJson();
        String twice = replay().toJson();

        assertThat(once).isEqualTo(twice).contains("\"rule\" : \"REPLAYED_COMMAND\"").doesNotContain("\r");
    }

    @Test
    void aCommandSignedByAnUnregisteredKeyIsAnUnknownSigner() throws Exception {
        Signer forger = log.crypto.signer(log.crypto.generateSigningKey());
        ExportedRecord forged = first.command("h1", 1, DeregisterVm.newBuilder().setMigrationId("m1").setVmId("vm-1")
                .setEpoch(1).setRetiredKeyFingerprint("old").build(), forger, 9);

        assertThat(found(replay())).containsExactly(at(Rule.UNKNOWN_SIGNER, forged));
    }

    @Test
    void aModifiedBodyUnderTheOldSignatureIsAnInvalidSignature() throws Exception {
        ExportedRecord deregister = first.lastDeregister;
        SignedEnvelope envelope = SyntheticLog.envelopeOf(deregister);
        DeregisterVm body = SingleObjectCodec.of(DeregisterVm.class).decode(ByteBuffers.toArray(envelope.getBody()));
        body.setEpoch(7);
        envelope.setBody(ByteBuffer.wrap(SingleObjectCodec.of(DeregisterVm.class).encode(body)));
        log.rewrite(deregister, SyntheticLog.envelopeBytes(envelope));

        assertThat(found(replay())).containsExactly(at(Rule.SIGNATURE_INVALID, deregister));
    }

    @Test
    void aDroppedAuditRecordIsAGapAtTheNextRecord() throws Exception {
        List<ExportedRecord> audit = auditOf("m1");
        log.drop(audit.get(3));

        assertThat(found(replay())).containsExactly(at(Rule.AUDIT_GAP, audit.get(4)));
    }

    @Test
    void twoSwappedAuditRecordsAreFound() throws Exception {
        List<ExportedRecord> audit = auditOf("m1");
        ByteBuffer third = audit.get(2).getValue();
        log.rewrite(audit.get(2), ByteBuffers.toArray(audit.get(3).getValue()));
        log.rewrite(audit.get(3), ByteBuffers.toArray(third));

        assertThat(found(replay())).containsExactly(at(Rule.AUDIT_GAP, audit.get(2)), at(Rule.AUDIT_OUT_OF_ORDER, audit.get(3)));
    }

    @Test
    void aModifiedAuditRecordBreaksItsSignatureAndTheNextLink() throws Exception {
        List<ExportedRecord> audit = auditOf("m1");
        var codec = SyntheticLog.TOPICS.migrationAudit().valueSerde();
        AuditRecord record = codec.deserializer().deserialize(Topics.MIGRATION_AUDIT, ByteBuffers.toArray(audit.get(1).getValue()));
        record.setDestinationHostId("h9");
        log.rewrite(audit.get(1), codec.serializer().serialize(Topics.MIGRATION_AUDIT, record));

        assertThat(found(replay())).containsExactly(at(Rule.SIGNATURE_INVALID, audit.get(1)),
                at(Rule.AUDIT_CHAIN_BROKEN, audit.get(2)));
    }

    @Test
    void aDeregisterFromAnEarlierMigrationReplayedLaterIsFound() throws Exception {
        ExportedRecord original = first.lastDeregister;
        ExportedRecord replayed = log.produce(original.getTopic(), "vm-1", ByteBuffers.toArray(original.getValue()),
                SyntheticLog.T0.plusSeconds(200));

        assertThat(found(replay())).containsExactly(at(Rule.REPLAYED_COMMAND, replayed));
    }

    @Test
    void aDeregisterIssuedBeforeTheCommitIsFound() throws Exception {
        SyntheticLog.Migration third = log.new Migration("m3", "vm-2", "h1", "h2", 0, SyntheticLog.T0.plusSeconds(300));
        third.audit(MigrationStep.REQUESTED, 0);
        ExportedRecord early = third.deregister(1);

        assertThat(found(replay())).containsExactly(at(Rule.DEREGISTER_BEFORE_COMMIT, early));
    }

    @Test
    void aKeyDeliveryNamingAnotherHostIsFound() throws Exception {
        ExportedRecord wrong = first.deliverKeyTo("h1", "h2", log.center.signer(), 2);

        assertThat(found(replay())).containsExactly(at(Rule.DELIVERY_FOR_WRONG_HOST, wrong));
    }

    @Test
    void aKeyInstallWithoutDeliveryIsFound() throws Exception {
        SyntheticLog.Migration third = log.new Migration("m3", "vm-2", "h1", "h2", 0, SyntheticLog.T0.plusSeconds(300));
        ExportedRecord install = third.installReply(1);

        assertThat(found(replay())).containsExactly(at(Rule.KEY_INSTALL_WITHOUT_DELIVERY, install));
    }

    @Test
    void aSecondEffectForTheSameCommandIsObeyedTwiceButAnIdenticalResendIsNot() throws Exception {
        ExportedRecord again = first.completedWithId(4, "completed-again");
        ExportedRecord original = log.records.stream().filter(r -> r.getTopic().equals(Topics.HOST_EVENTS)
                && SyntheticLog.envelopeOf(r).getMessageId().equals("m1/completed/h2")).findFirst().orElseThrow();
        log.produce(Topics.HOST_EVENTS, "vm-1", ByteBuffers.toArray(original.getValue()), original.getTimestamp());

        assertThat(found(replay())).containsExactly(at(Rule.COMMAND_OBEYED_TWICE, again));
    }

    @Test
    void anAbortedMigrationThatChangedTheBindingIsFound() throws Exception {
        SyntheticLog.Migration third = log.new Migration("m3", "vm-2", "h1", "h2", 0, SyntheticLog.T0.plusSeconds(300));
        third.audit(MigrationStep.REQUESTED, 0);
        third.audit(MigrationStep.ABORTING, 1);
        third.audit(MigrationStep.ABORTED, 1);
        ExportedRecord write = third.inventory(2);

        assertThat(found(replay())).contains(at(Rule.ABORT_CHANGED_BINDING, write));
    }

    @Test
    void anInventoryEpochThatFallsIsARegression() throws Exception {
        ExportedRecord stale = first.inventory(300);

        assertThat(found(replay())).contains(at(Rule.EPOCH_REGRESSION, stale));
    }

    @Test
    void aCenterBindingOtherThanTheRebuiltOneIsAMismatch() throws Exception {
        Topics topics = Topics.withDefaultWireFormat();
        TrustedKeys keys = TrustedKeys.load(log, Optional.of(log.center.centerPublicKey()), topics);
        ReplayEngine engine = new ReplayEngine(keys, topics, Duration.ofSeconds(30));
        log.read(t -> true, engine::accept);

        ReplayResult result = engine.finish("synthetic",
                Optional.of(Map.of("vm-1", new BindingRow("vm-1", "h2", 1, first.fingerprint, "m1"))));

        assertThat(result.anomalies()).extracting(Anomaly::rule).containsExactly(Rule.BINDING_MISMATCH_WITH_CENTER);
        assertThat(result.bindingsComparedWith()).isEqualTo("status-url");
    }

    @Test
    void aHostEntryNotSignedByThePinnedCenterKeyIsRefusedAndItsRepliesUnknown() throws Exception {
        SyntheticLog other = new SyntheticLog();
        ReplayResult result = ReplayEngine.replay(log, Optional.of(other.center.centerPublicKey()), Optional.empty(),
                Duration.ofSeconds(30));

        assertThat(result.anomalies()).extracting(Anomaly::rule)
                .contains(Rule.REGISTRY_ENTRY_INVALID, Rule.UNKNOWN_SIGNER).doesNotContain(Rule.AUDIT_GAP);
    }

    private List<ExportedRecord> auditOf(String migrationId) {
        return log.records.stream().filter(r -> r.getTopic().equals(Topics.MIGRATION_AUDIT)
                && SyntheticLog.TOPICS.migrationAudit().valueSerde().deserializer()
                        .deserialize(Topics.MIGRATION_AUDIT, ByteBuffers.toArray(r.getValue())).getMigrationId().equals(migrationId))
                .toList();
    }
}
