package io.vmigrate.embedded.broker;

import java.nio.file.Path;
import java.util.Map;

/** Creates the node of a {@link KafkaNodeGroup} with the given identity, directory, port and broker config. */
@FunctionalInterface
public interface KafkaNodeFactory {

    KafkaNode create(int id, Path nodeDir, int brokerPort, Map<String, String> config);
}
