package io.vmigrate.center;

import io.vmigrate.schema.request.OperatorGrant;
import io.vmigrate.schema.serde.SerdeFactory;
import io.vmigrate.schema.topic.Topic;
import io.vmigrate.schema.topic.Topics;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * Operators registered by an admin key (beside those of the operators file): admin-signed grants
 * on {@code operator.grants} are checked by {@link OperatorGrantProcessor}, which dead-letters and
 * alerts what it refuses and publishes what it accepts on {@code operator.registry}; that topic feeds
 * the global store {@value #OPERATOR_REGISTRY_STORE}, where every request gate looks operators up
 * ({@link GrantedOperators}). Two topics because a global store's source may be read by no task, and
 * a global processor cannot dead-letter.
 */
final class OperatorGrantTopology {

    static final String OPERATOR_GRANTS_SOURCE = "operator-grants-source";
    static final String OPERATOR_GRANT_PROCESSOR = "operator-grant-processor";
    static final String OPERATOR_REGISTRY_SINK = "operator-registry-sink";
    static final String GRANT_ALERTS_SINK = "operator-grant-security-alerts-sink";
    static final String GRANT_DEAD_LETTER_SINK = "operator-grant-dead-letter-sink";
    static final String OPERATOR_REGISTRY_SOURCE = "operator-registry-source";
    static final String OPERATOR_REGISTRY_UPDATER = "operator-registry-updater";
    /** Global: operator key id → the newest admin-signed {@link OperatorGrant} the center verified. */
    static final String OPERATOR_REGISTRY_STORE = "operator-registry";

    static final CenterOutputs.Sinks SINKS = new CenterOutputs.Sinks(null, null, null, null, GRANT_ALERTS_SINK,
            GRANT_DEAD_LETTER_SINK, OPERATOR_REGISTRY_SINK);

    private OperatorGrantTopology() {}

    static void addTo(Topology topology, CenterServices services, Topics topics, SerdeFactory serdes) {
        Topic<String, OperatorGrant> grants = topics.operatorGrants();
        // Read as bytes: the processor bounds and decodes them, so that nothing undecodable stops the task.
        topology.addSource(OPERATOR_GRANTS_SOURCE, grants.keySerde().deserializer(), Serdes.ByteArray().deserializer(),
                grants.name());
        topology.addProcessor(OPERATOR_GRANT_PROCESSOR,
                () -> new OperatorGrantProcessor(services, grants.valueSerde().deserializer()), OPERATOR_GRANTS_SOURCE);
        Topic<String, OperatorGrant> registry = topics.operatorRegistry();
        topology.addSink(OPERATOR_REGISTRY_SINK, registry.name(), registry.keySerde().serializer(),
                registry.valueSerde().serializer(), OPERATOR_GRANT_PROCESSOR);
        topology.addSink(GRANT_ALERTS_SINK, topics.securityAlerts().name(), Serdes.String().serializer(),
                topics.securityAlerts().valueSerde().serializer(), OPERATOR_GRANT_PROCESSOR);
        topology.addSink(GRANT_DEAD_LETTER_SINK, topics.deadLetter().name(), topics.deadLetter().keySerde().serializer(),
                topics.deadLetter().valueSerde().serializer(), OPERATOR_GRANT_PROCESSOR);
        topology.addGlobalStore(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(OPERATOR_REGISTRY_STORE), Serdes.String(),
                        serdes.serde(OperatorGrant.class)).withLoggingDisabled(),
                OPERATOR_REGISTRY_SOURCE, registry.keySerde().deserializer(),
                new LenientGrantDeserializer(registry.valueSerde().deserializer()), registry.name(),
                OPERATOR_REGISTRY_UPDATER, () -> new OperatorRegistryUpdater(services));
    }
}
