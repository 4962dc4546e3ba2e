package io.vmigrate.center;

import io.vmigrate.schema.registry.TrustRegistryEntry;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the global {@code trust-registry} store: every instance sees every enrolled host. Only the
 * center's own current entries are taken ({@link CenterRegistryEntries}); a tombstone, a foreign or
 * unsigned entry, an older replay or undecodable bytes change nothing, so a record written to
 * {@code trust.registry} by anyone else can neither enroll nor erase a host.
 *
 * <p>A global processor has no producer: it cannot dead-letter what it ignores. It logs the record's
 * coordinates and counts it ({@link CenterMetrics#registryRecordIgnored}); the {@link RegistryReasserter}
 * answers records that contest a key the center holds.
 */
final class RegistryStoreUpdater implements Processor<String, RegistryRecord, Void, Void> {

    private static final Logger LOG = LoggerFactory.getLogger(RegistryStoreUpdater.class);

    private final CenterRegistryEntries judge;
    private final CenterMetrics metrics;
    private KeyValueStore<String, TrustRegistryEntry> store;
    private ProcessorContext<Void, Void> context;

    RegistryStoreUpdater(CenterRegistryEntries judge, CenterMetrics metrics) {
        this.judge = judge;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.context = context;
        this.store = context.getStateStore(CenterTopology.TRUST_REGISTRY_STORE);
    }

    @Override
    public void process(Record<String, RegistryRecord> record) {
        String coordinates = context.recordMetadata().map(m -> m.topic() + "-" + m.partition() + "@" + m.offset()).orElse("?");
        TrustRegistryEntry held = record.key() == null ? null : store.get(record.key());
        CenterRegistryEntries.Verdict verdict = judge.judge(record.key(), record.value(), held);
        if (!verdict.isTaken()) {
            LOG.warn("trust registry record {} at {} ignored: {}", CenterRegistryEntries.printable(record.key()), coordinates, verdict.detail());
            metrics.registryRecordIgnored(verdict.ignored().tag());
            return;
        }
        TrustRegistryEntry entry = verdict.taken().orElseThrow();
        if (!entry.equals(held)) {
            store.put(record.key(), entry);
            LOG.info("trust registry entry {} at {} loaded", record.key(), coordinates);
        }
    }
}
