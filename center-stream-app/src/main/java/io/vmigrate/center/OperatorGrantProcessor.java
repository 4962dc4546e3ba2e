package io.vmigrate.center;

import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.EnvelopeRefusedException;
import io.vmigrate.schema.operator.KnownOperator;
import io.vmigrate.schema.operator.OperatorGrantVerifier;
import io.vmigrate.schema.request.OperatorGrant;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code operator.grants}: an admin-signed grant or revocation of an operator identity. It is
 * trusted only if it verifies under an admin key the center is configured with, is in force (a grant)
 * and is newer than the one held for that key; it is then published on {@code operator.registry},
 * from which every gate reads operators. Anything else is dead-lettered with its reason and alerted.
 */
final class OperatorGrantProcessor implements Processor<String, byte[], Object, Object> {

    private static final Logger LOG = LoggerFactory.getLogger(OperatorGrantProcessor.class);
    static final int MAX_RECORD_BYTES = LenientGrantDeserializer.MAX_VALUE_BYTES;

    private final CenterServices services;
    private final Deserializer<OperatorGrant> deserializer;
    private final OperatorGrantVerifier verifier;
    private CenterOutputs outputs;
    private ReadOnlyKeyValueStore<String, OperatorGrant> registry;

    OperatorGrantProcessor(CenterServices services, Deserializer<OperatorGrant> deserializer) {
        this.services = services;
        this.deserializer = deserializer;
        this.verifier = new OperatorGrantVerifier(services.access().adminKeys(), services.settings().allowedClockSkew());
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.outputs = new CenterOutputs(context, OperatorGrantTopology.SINKS, services.clock(), services.metrics());
        this.registry = context.getStateStore(OperatorGrantTopology.OPERATOR_REGISTRY_STORE);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        if (record.key() == null || record.value() == null || record.value().length > MAX_RECORD_BYTES) {
            refuse(record, RefusalReason.MALFORMED, "operator grant without key or value, or over " + MAX_RECORD_BYTES + " bytes");
            return;
        }
        OperatorGrant grant;
        try {
            grant = deserializer.deserialize(null, record.value());
        } catch (RuntimeException e) {
            refuse(record, RefusalReason.MALFORMED, "not an operator grant");
            return;
        }
        KnownOperator operator;
        try {
            operator = verifier.verify(grant, record.key(), services.clock().instant());
        } catch (EnvelopeRefusedException e) {
            refuse(record, e.reason(), e.getMessage());
            return;
        }
        OperatorGrant held = registry.get(record.key());
        if (held != null && !grant.getIssuedAt().isAfter(held.getIssuedAt())) {
            if (grant.equals(held)) {
                LOG.info("operator grant {} at {}: already held", grant.getGrantId(), outputs.coordinates());
            } else {
                refuse(record, RefusalReason.REPLAYED, "grant " + grant.getGrantId() + " for key " + record.key()
                        + " is not newer than the grant held (issued " + held.getIssuedAt() + ")");
            }
            return;
        }
        outputs.operatorGrant(grant);
        LOG.info("operator {} ({}, key {}) {} by admin key {} at {}", operator.name(), operator.role(), operator.keyId(),
                grant.getRevoked() ? "revoked" : "granted until " + grant.getValidUntil(), grant.getAdminKeyId(),
                outputs.coordinates());
    }

    private void refuse(Record<String, byte[]> record, RefusalReason reason, String refusal) {
        String detail = "operator grant for key " + CenterRegistryEntries.printable(record.key()) + ": " + refusal;
        outputs.deadLetter(record.key() == null ? null : DeadLetters.utf8(record.key()), record.value(), reason, detail);
        outputs.alert(reason, detail, null, null, null, null);
    }
}
