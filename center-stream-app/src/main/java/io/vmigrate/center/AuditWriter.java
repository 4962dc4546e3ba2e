package io.vmigrate.center;

import io.vmigrate.schema.workflow.MigrationSteps;
import io.vmigrate.schema.audit.AuditSigningInput;
import io.vmigrate.schema.audit.AuditRecord;
import io.vmigrate.schema.center.MigrationState;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.common.Suite;
import io.vmigrate.trust.Digest;
import io.vmigrate.trust.Signer;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends center-signed, hash-chained records to {@code migration.audit}. The chain position
 * (next sequence, last hash) lives in the migration's {@link MigrationState}, which the caller stores.
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

    /** Moves {@code state} to {@code step} and audits the transition. */
    void transition(MigrationState state, MigrationStep step, AuditNote note) {
        state.setStep(step);
        Map<String, Long> times = new HashMap<>(state.getStepTimes());
        long now = clock.millis();
        times.put(step.name(), now);
        state.setStepTimes(times);
        append(state, note);
        // Every step goes through here: the one place where step latency and outcomes are counted.
        metrics.stepReached(step, state.getRegistration(), Duration.ofMillis(now - state.getRequestedAt().toEpochMilli()));
        if (MigrationSteps.isFinal(step)) {
            metrics.migrationEnded(step, state.getRegistration());
        }
    }

    /** Audits something that happened without changing the step (an ignored reply, a retry). */
    void note(MigrationState state, AuditNote note) {
        append(state, note);
    }

    private void append(MigrationState state, AuditNote note) {
        AuditRecord record = AuditRecord.newBuilder()
                .setMigrationId(state.getMigrationId())
                .setSequence(state.getAuditSequence())
                .setStep(state.getStep())
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
                .setSuite(Suite.valueOf(signer.suite().name()))
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
