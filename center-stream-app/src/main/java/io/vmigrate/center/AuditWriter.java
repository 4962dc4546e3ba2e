package io.vmigrate.center;

import io.vmigrate.schema.keys.WireEnums;
import io.vmigrate.center.workflow.AuditNote;
import io.vmigrate.center.workflow.Effect;
import io.vmigrate.schema.audit.AuditSigningInput;
import io.vmigrate.schema.workflow.MigrationSteps;
import io.vmigrate.schema.audit.AuditRecord;
import io.vmigrate.schema.center.MigrationState;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.trust.Digest;
import io.vmigrate.trust.Signer;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends center-signed, hash-chained records to {@code migration.audit}: which records, in which
 * step and with which note, the workflow machine decides; this is the chain mechanics. The chain
 * position (next sequence, last hash) lives in the migration's {@link MigrationState}, which the caller stores.
 */
final class AuditWriter {

    private static final Logger LOG = LoggerFactory.getLogger(AuditWriter.class);

    private final Signer signer;
    private final Digest digest;
    private final CenterOutputs outputs;
    private final Clock clock;
    private final CenterMetrics metrics;

    AuditWriter(Signer signer, Digest digest, CenterOutputs outputs, Clock clock, CenterMetrics metrics) {
        this.signer = signer;
        this.digest = digest;
        this.outputs = outputs;
        this.clock = clock;
        this.metrics = metrics;
    }

    /**
     * Appends the audit record the machine decided on, as the next link of {@code state}'s chain
     * (whose position it advances), and counts a step reached in the metrics.
     */
    void append(MigrationState state, Effect.Audit entry) {
        append(state, entry.step(), entry.note());
        if (entry.transition()) {
            countStep(state, entry);
        }
    }

    private void countStep(MigrationState state, Effect.Audit entry) {
        // Every step goes through here: the one place where step latency and outcomes are counted.
        MigrationStep step = entry.step();
        metrics.stepReached(step, state.getRegistration(),
                Duration.ofMillis(clock.millis() - state.getRequestedAt().toEpochMilli()));
        if (step == MigrationStep.ABORTED || step == MigrationStep.REJECTED) {
            metrics.refusal(step == MigrationStep.ABORTED ? "aborted" : "rejected", entry.note().reason());
        }
        if (MigrationSteps.isFinal(step)) {
            metrics.migrationEnded(step, state.getRegistration());
        }
    }

    private void append(MigrationState state, MigrationStep step, AuditNote note) {
        AuditRecord record = AuditRecord.newBuilder()
                .setMigrationId(state.getMigrationId())
                .setSequence(state.getAuditSequence())
                .setStep(step)
                .setRecordedAt(clock.instant())
                .setVmId(state.getVmId())
                .setSourceHostId(state.getSourceHostId())
                .setDestinationHostId(state.getDestinationHostId())
                .setEpoch(note.epoch())
                .setKeyFingerprint(note.keyFingerprint())
                .setRelatedMessageId(note.relatedMessageId())
                .setReason(note.reason())
                .setDetail(note.detail())
                .setPreviousHash(state.getLastAuditHash().duplicate())
                .setSuite(WireEnums.toWire(signer.suite()))
                .setSignerKeyId(signer.keyId().toString())
                .setSignature(ByteBuffer.allocate(0))
                .build();
        byte[] signature = signer.sign(AuditSigningInput.of(record), AuditSigningInput.contextOf(record)).toBytes();
        record.setSignature(ByteBuffer.wrap(signature));
        state.setAuditSequence(record.getSequence() + 1);
        state.setLastAuditHash(ByteBuffer.wrap(AuditSigningInput.chainHash(record, digest)));
        outputs.audit(record);
        LOG.info("migration {} vm {} step {} seq {} at {}{}{}", record.getMigrationId(), record.getVmId(),
                record.getStep(), record.getSequence(), outputs.coordinates(),
                note.reason() == null ? "" : " reason " + note.reason(),
                note.detail() == null ? "" : ": " + note.detail());
    }
}
