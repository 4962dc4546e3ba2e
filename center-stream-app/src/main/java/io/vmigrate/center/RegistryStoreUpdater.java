package io.vmigrate.center;

import io.vmigrate.schema.registry.TrustRegistryEntries;
import io.vmigrate.schema.registry.TrustRegistryEntry;
import io.vmigrate.trust.Verifier;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the global {@code trust-registry} store: every instance sees every enrolled host. Only
 * entries the center itself signed are taken, so a record written to {@code trust.registry} by
 * anyone else cannot enroll a host.
 */
final class RegistryStoreUpdater implements Processor<String, TrustRegistryEntry, Void, Void> {

    private static final Logger LOG = LoggerFactory.getLogger(RegistryStoreUpdater.class);

    private final Verifier center;
    private KeyValueStore<String, TrustRegistryEntry> store;
    private ProcessorContext<Void, Void> context;

    RegistryStoreUpdater(Verifier center) {
        this.center = center;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.context = context;
        this.store = context.getStateStore(CenterTopology.TRUST_REGISTRY_STORE);
    }

    @Override
    public void process(Record<String, TrustRegistryEntry> record) {
        String coordinates = context.recordMetadata().map(m -> m.topic() + "-" + m.partition() + "@" + m.offset()).orElse("?");
        if (record.key() == null) {
            LOG.warn("trust registry record without key at {} ignored", coordinates);
            return;
        }
        if (record.value() == null) {
            store.delete(record.key());
            return;
        }
        TrustRegistryEntry entry = record.value();
        if (!entry.getEntryId().equals(record.key()) || !TrustRegistryEntries.isSignedBy(entry, center)) {
            LOG.warn("trust registry entry {} at {} is not signed by the center key {}; ignored", record.key(),
                    coordinates, center.keyId());
            return;
        }
        store.put(record.key(), entry);
        LOG.info("trust registry entry {} at {} loaded", record.key(), coordinates);
    }
}
