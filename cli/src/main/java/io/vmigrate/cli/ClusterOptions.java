package io.vmigrate.cli;

import io.vmigrate.cli.datadir.BrokerAddressFile;
import io.vmigrate.cli.datadir.ClientConfigFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * Where the Kafka cluster is, for every subcommand: {@code --bootstrap}, else {@code VMIGRATE_BOOTSTRAP},
 * else {@code bootstrap.servers} in {@code --config}, else the address {@code vmigrate up} recorded
 * under {@code --data-dir}. Extra client settings (e.g. SASL) come from the config file; without one, a
 * cluster that {@code vmigrate up} runs under {@code --data-dir} is reached with the login it wrote there
 * ({@code clients/operator.properties}, or {@code clients/auditor.properties} for read-only commands).
 */
final class ClusterOptions {

    private static final String OPERATOR = "operator";
    private static final String AUDITOR = "auditor";
    private static final String ADMIN = "admin";

    @Option(names = "--bootstrap", description = "Kafka bootstrap servers of an external cluster (host:port,...).")
    String bootstrap;

    @Option(names = "--config", description = "Properties file with Kafka client settings (bootstrap.servers, security...).")
    Path configFile;

    @Option(names = "--data-dir", defaultValue = "${env:VMIGRATE_DATA_DIR:-.vmigrate}",
            description = "Data directory of an embedded cluster started by 'vmigrate up' (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    /** The operator's Kafka client properties including bootstrap.servers; fails clearly when none is found. */
    Map<String, Object> clientProperties() {
        return clientPropertiesOf(OPERATOR);
    }

    /** Client properties for commands that only read: the auditor's login unless {@code --config} says otherwise. */
    Map<String, Object> readOnlyClientProperties() {
        return clientPropertiesOf(AUDITOR);
    }

    /**
     * Client properties of a login allowed to alter ACLs and credentials: {@code adminConfig} if given (its
     * {@code bootstrap.servers} defaulting to the cluster in use), else the super user's login that
     * {@code vmigrate up} wrote under {@code --data-dir} for the cluster in use ({@code clients/admin.properties});
     * empty when there is neither.
     */
    Optional<Map<String, Object>> adminClientProperties(Path adminConfig) {
        String inUse = (String) clientPropertiesOf(AUDITOR).get("bootstrap.servers");
        Map<String, Object> props = new HashMap<>();
        if (adminConfig != null) {
            props.putAll(load(adminConfig, "--admin-config"));
            props.putIfAbsent("bootstrap.servers", inUse);
            return Optional.of(props);
        }
        Optional<String> recorded = BrokerAddressFile.read(dataDir);
        if (recorded.isEmpty() || !recorded.get().equals(inUse)) {
            return Optional.empty();
        }
        return ClientConfigFiles.read(dataDir, ADMIN).map(login -> {
            props.putAll(login);
            props.put("bootstrap.servers", inUse);
            return props;
        });
    }

    /** Where {@link #adminClientProperties} found no login of its own: for messages. */
    Path dataDirAdminFile() {
        return ClientConfigFiles.javaFile(dataDir, ADMIN);
    }

    private static Map<String, Object> load(Path file, String option) {
        Properties loaded = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            loaded.load(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + option + " " + file + ": " + e.getMessage(), e);
        }
        Map<String, Object> props = new HashMap<>();
        loaded.stringPropertyNames().forEach(name -> props.put(name, loaded.getProperty(name)));
        return props;
    }

    private Map<String, Object> clientPropertiesOf(String principal) {
        Map<String, Object> props = new HashMap<>();
        if (configFile != null) {
            props.putAll(load(configFile, "--config"));
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
        if (configFile == null) {
            addLoginOfTheDataDirCluster(props, principal);
        }
        return props;
    }

    /**
     * The data directory's login is for the cluster it records, never sent to another one: only when the
     * bootstrap servers in use are the ones {@code vmigrate up} recorded there.
     */
    private void addLoginOfTheDataDirCluster(Map<String, Object> props, String principal) {
        Optional<String> recorded = BrokerAddressFile.read(dataDir);
        if (recorded.isEmpty() || !recorded.get().equals(props.get("bootstrap.servers"))) {
            return;
        }
        ClientConfigFiles.read(dataDir, principal).ifPresent(login -> login.forEach((key, value) -> {
            if (!key.equals("bootstrap.servers")) {
                props.put(key, value);
            }
        }));
    }
}
