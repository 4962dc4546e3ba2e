package io.vmigrate.center;

import io.vmigrate.schema.alert.SecurityAlerts;
import io.vmigrate.schema.alert.SecurityAlert;
import io.vmigrate.schema.audit.AuditRecord;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import io.vmigrate.schema.registry.TrustRegistryEntry;
import io.vmigrate.schema.request.MigrationRejected;
import java.time.Clock;
import java.util.Optional;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards a processor's results to its named sinks. Outputs never inherit the input record's
 * headers; they are stamped with the center's wall clock.
 */
final class CenterOutputs {

    private static final Logger LOG = LoggerFactory.getLogger(CenterOutputs.class);
    /** Longer than any identifier the center accepts (EnvelopeLimits allows 256 bytes). */
    static final int MAX_ALERT_ID_CHARS = 300;

    /** Sink names of one sub-topology; a sub-topology without some output passes null. */
    record Sinks(String commands, String rejections, String audit, String inventory, String alerts,
            String deadLetter, String registry) {
    }

    private final ProcessorContext<Object, Object> context;
    private final Sinks sinks;
    private final Clock clock;
    private final CenterMetrics metrics;

    CenterOutputs(ProcessorContext<Object, Object> context, Sinks sinks, Clock clock, CenterMetrics metrics) {
        this.context = context;
        this.sinks = sinks;
        this.clock = clock;
        this.metrics = metrics;
    }

    void command(SignedEnvelope command) {
        forward(command.getVmId(), command, sinks.commands());
    }

    void rejection(MigrationRejected rejection) {
        forward(rejection.getVmId(), rejection, sinks.rejections());
    }

    void audit(AuditRecord record) {
        forward(record.getMigrationId(), record, sinks.audit());
    }

    void inventory(VmInventoryEntry entry) {
        forward(entry.getBinding().getVmId(), entry, sinks.inventory());
    }

    void registry(TrustRegistryEntry entry) {
        forward(entry.getEntryId(), entry, sinks.registry());
    }

    /** A verified operator grant, keyed by its operator key id (the registry sink of the grant sub-topology). */
    void operatorGrant(io.vmigrate.schema.request.OperatorGrant grant) {
        forward(grant.getOperatorKey().getKeyId(), grant, sinks.registry());
    }

    /** Publishes a security alert naming the record being processed, if any. */
    void alert(RefusalReason reason, String detail, String hostId, String migrationId, String vmId, String messageId) {
        // The ids may come from a record not verified yet, as long as the broker took it: an alert too large
        // to produce would fail the transaction and stop the thread on that record, every time it is read again.
        hostId = bounded(hostId);
        migrationId = bounded(migrationId);
        vmId = bounded(vmId);
        messageId = bounded(messageId);
        Optional<RecordMetadata> origin = origin();
        SecurityAlert alert = SecurityAlerts.of(DeadLetters.COMPONENT, clock.instant(), reason, detail, hostId, migrationId,
                vmId, messageId, origin.map(at -> new SecurityAlerts.Origin(at.topic(), at.partition(), at.offset()))
                        .orElse(SecurityAlerts.Origin.unknown()));
        LOG.warn("security alert {} {} host {} migration {} vm {} message {} at {}: {}", alert.getAlertId(), reason,
                hostId, migrationId, vmId, messageId, coordinates(), detail);
        forward(vmId != null ? vmId : hostId, alert, sinks.alerts());
        metrics.securityAlert(reason);
    }

    /** Sends the record being processed (its bytes) to the dead-letter topic with the reason and its origin. */
    void deadLetter(byte[] key, byte[] value, RefusalReason reason, String detail) {
        Optional<RecordMetadata> origin = origin();
        Headers headers = DeadLetters.headers(reason, DeadLetters.detailFor(key, value, detail),
                origin.map(RecordMetadata::topic).orElse(""), origin.map(RecordMetadata::partition).orElse(-1),
                origin.map(RecordMetadata::offset).orElse(-1L));
        LOG.warn("dead-lettered record at {}: {} {}", coordinates(), reason, detail);
        context.forward(new Record<Object, Object>(DeadLetters.copiedKey(key), DeadLetters.copiedValue(key, value),
                clock.millis(), headers), sinks.deadLetter());
        metrics.deadLetter(reason);
    }

    /** At most {@value #MAX_ALERT_ID_CHARS} characters of an identifier named in an alert. */
    private static String bounded(String id) {
        return id == null || id.length() <= MAX_ALERT_ID_CHARS ? id : id.substring(0, MAX_ALERT_ID_CHARS) + "...";
    }

    /** topic-partition@offset of the record being processed, for log lines. */
    String coordinates() {
        return origin()
                .map(m -> m.topic() + "-" + m.partition() + "@" + m.offset())
                .orElse("punctuation");
    }

    /** The input record being processed; empty in a punctuation (whose metadata has no topic). */
    private Optional<RecordMetadata> origin() {
        return context.recordMetadata().filter(m -> m.topic() != null);
    }

    private void forward(Object key, Object value, String sink) {
        context.forward(new Record<>(key, value, clock.millis(), new RecordHeaders()), sink);
    }
}
