package io.vmigrate.cli;

import io.vmigrate.cli.datadir.BrokerAddressFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * Where the Kafka cluster is, for every subcommand: {@code --bootstrap}, else {@code VMIGRATE_BOOTSTRAP},
 * else {@code bootstrap.servers} in {@code --config}, else the address {@code vmigrate up} recorded
 * under {@code --data-dir}. Extra client settings (e.g. SASL) come from the config file.
 */
final class ClusterOptions {

    @Option(names = "--bootstrap", description = "Kafka bootstrap servers of an external cluster (host:port,...).")
    String bootstrap;

    @Option(names = "--config", description = "Properties file with Kafka client settings (bootstrap.servers, security...).")
    Path configFile;

    @Option(names = "--data-dir", defaultValue = "${env:VMIGRATE_DATA_DIR:-.vmigrate}",
            description = "Data directory of an embedded cluster started by 'vmigrate up' (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    /** Kafka client properties including bootstrap.servers; fails with a clear message when none is found. */
    Map<String, Object> clientProperties() {
        Map<String, Object> props = new HashMap<>();
        if (configFile != null) {
            Properties file = new Properties();
            try (InputStream in = Files.newInputStream(configFile)) {
                file.load(in);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read --config " + configFile + ": " + e.getMessage(), e);
            }
            file.stringPropertyNames().forEach(name -> props.put(name, file.getProperty(name)));
        }
        String fromEnv = System.getenv("VMIGRATE_BOOTSTRAP");
        if (bootstrap != null) {
            props.put("bootstrap.servers", bootstrap);
        } else if (fromEnv != null && !fromEnv.isBlank()) {
            props.put("bootstrap.servers", fromEnv);
        } else if (!props.containsKey("bootstrap.servers")) {
            String recorded = BrokerAddressFile.read(dataDir).orElseThrow(() -> new IllegalArgumentException(
                    "no Kafka cluster found: start one with './vmigrate up' (data dir " + dataDir.toAbsolutePath()
                            + ") or pass --bootstrap / VMIGRATE_BOOTSTRAP / --config"));
            props.put("bootstrap.servers", recorded);
        }
        return props;
    }
}
