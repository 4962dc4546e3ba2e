package io.vmigrate.center;

import io.vmigrate.schema.envelope.EnvelopeRefusedException;
import io.vmigrate.schema.operator.OperatorGrantVerifier;
import io.vmigrate.schema.request.OperatorGrant;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the global {@code operator-registry} store. The center alone writes {@code operator.registry},
 * but the store takes only what verifies again under a configured admin key, keyed by its operator key
 * id, and newer than the grant it holds: a tombstone, a foreign or older record changes nothing. A
 * global processor cannot dead-letter; what it ignores is logged with its coordinates.
 */
final class OperatorRegistryUpdater implements Processor<String, OperatorGrant, Void, Void> {

    private static final Logger LOG = LoggerFactory.getLogger(OperatorRegistryUpdater.class);

    private final OperatorGrantVerifier verifier;
    private final CenterMetrics metrics;
    private KeyValueStore<String, OperatorGrant> store;
    private ProcessorContext<Void, Void> context;

    OperatorRegistryUpdater(CenterServices services) {
        this.verifier = new OperatorGrantVerifier(services.access().adminKeys(), services.settings().allowedClockSkew());
        this.metrics = services.metrics();
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.context = context;
        this.store = context.getStateStore(OperatorGrantTopology.OPERATOR_REGISTRY_STORE);
    }

    @Override
    public void process(Record<String, OperatorGrant> record) {
        OperatorGrant grant = record.value();
        if (record.key() == null || grant == null) {
            ignore("no key, a tombstone or not a grant");
            return;
        }
        try {
            // Validity is checked when a request is signed, not here: a replayed registry must hold what it held.
            verifier.verify(grant, record.key(), null);
        } catch (EnvelopeRefusedException e) {
            ignore(e.reason() + " " + e.getMessage());
            return;
        }
        OperatorGrant held = store.get(record.key());
        if (held != null && !grant.getIssuedAt().isAfter(held.getIssuedAt())) {
            if (!grant.equals(held)) {
                ignore("grant " + grant.getGrantId() + " is not newer than the one held");
            }
            return;
        }
        store.put(record.key(), grant);
        LOG.info("operator registry: key {} ({} {}) {} at {}", record.key(), grant.getRole(), grant.getOperatorName(),
                grant.getRevoked() ? "revoked" : "granted until " + grant.getValidUntil(), coordinates());
    }

    private void ignore(String why) {
        LOG.warn("operator registry record at {} ignored: {}", coordinates(), why);
        metrics.registryRecordIgnored("operator-registry");
    }

    private String coordinates() {
        return context.recordMetadata().map(m -> m.topic() + "-" + m.partition() + "@" + m.offset()).orElse("?");
    }
}
