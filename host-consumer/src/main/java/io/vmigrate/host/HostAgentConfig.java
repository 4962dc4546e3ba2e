package io.vmigrate.host;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import io.vmigrate.host.hypervisor.HypervisorBackend;
import io.vmigrate.host.hypervisor.HypervisorSettings;
import io.vmigrate.host.store.ProcessedCommandStore;
import io.vmigrate.schema.config.ConfigValidators;
import io.vmigrate.schema.serde.WireFormat;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.trust.Suite;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/** Typed, validated configuration of one host agent (a host's user zone). */
public final class HostAgentConfig extends AbstractConfig {

    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String HOST_ID = "vmigrate.host.id";
    public static final String SUITE = "vmigrate.suite";
    public static final String WIRE_FORMAT = WireFormat.CONFIG;
    public static final String SECURE_ZONE_SOCKET = "vmigrate.secure.zone.socket";
    public static final String STATE_DIR = "vmigrate.host.state.dir";
    public static final String AGENT_KEYSTORE_PASSWORD = "vmigrate.agent.keystore.password";
    public static final String HYPERVISOR_BACKEND = "vmigrate.hypervisor.backend";
    public static final String HYPERVISOR_ROOT = "vmigrate.hypervisor.root";
    public static final String CENTER_PUBLIC_KEY_FILE = "vmigrate.center.public.key.file";
    public static final String PROVISIONING_STATEMENT_FILE = "vmigrate.host.provisioning.statement.file";
    public static final String RETRY_BACKOFF_MS = "vmigrate.retry.backoff.ms";
    public static final String RETRY_BACKOFF_MAX_MS = "vmigrate.retry.backoff.max.ms";
    public static final String STARTUP_TIMEOUT_MS = "vmigrate.startup.timeout.ms";
    public static final String POLL_MS = "vmigrate.poll.ms";
    public static final String PUBLISH_TIMEOUT_MS = "vmigrate.publish.timeout.ms";
    public static final String COMMAND_TOPIC_PARTITIONS = "vmigrate.command.topic.partitions";
    public static final String COMMAND_TOPIC_REPLICATION_FACTOR = "vmigrate.command.topic.replication.factor";
    public static final String METRICS_HOST = "vmigrate.agent.metrics.host";
    public static final String METRICS_PORT = "vmigrate.agent.metrics.port";
    public static final String PROCESSED_RETENTION_MS = "vmigrate.host.processed.retention.ms";
    /**
     * The shortest retention accepted: the largest clock skew a secure zone may be configured to allow
     * ({@code vmigrate.secure.zone.clock.skew.ms} is at most one hour), so the agent never forgets a command
     * its zone would still admit.
     */
    public static final long MIN_PROCESSED_RETENTION_MS = Duration.ofHours(1).toMillis();
    /** Settings under this prefix (e.g. {@code kafka.security.protocol}) go to every Kafka client unchanged. */
    public static final String KAFKA_CLIENT_PREFIX = "kafka.";

    public static final ConfigDef DEFINITION = new ConfigDef()
            .define(BOOTSTRAP_SERVERS, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH,
                    "Kafka brokers to bootstrap from, host:port.")
            .define(HOST_ID, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, ConfigValidators.hostId(), Importance.HIGH,
                    "This host's id; it names the host's command topic and its static group membership.")
            .define(SUITE, Type.STRING, "gm", ConfigValidators.suite(), Importance.HIGH,
                    "Crypto suite: gm or intl.")
            .define(WIRE_FORMAT, Type.STRING, WireFormat.DEFAULT.configValue(), ConfigValidators.wireFormat(),
                    Importance.MEDIUM, "How record values are framed on Kafka.")
            .define(SECURE_ZONE_SOCKET, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                    Importance.HIGH, "Unix domain socket of this host's secure zone.")
            .define(STATE_DIR, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Directory for the agent's durable state (processed command ids, sealed agent key, enrollment).")
            .define(AGENT_KEYSTORE_PASSWORD, Type.PASSWORD, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH,
                    "Password that seals the agent key at rest.")
            .define(HYPERVISOR_BACKEND, Type.STRING, HypervisorBackend.FILE.configValue(), HostAgentConfig::validBackend,
                    Importance.MEDIUM, "Which hypervisor runs this host's VMs; one of: "
                            + String.join(", ", HypervisorBackend.configValues()) + ".")
            .define(HYPERVISOR_ROOT, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                    Importance.HIGH, "Root directory of the file hypervisor, shared by all hosts (one folder per host).")
            .define(CENTER_PUBLIC_KEY_FILE, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                    Importance.HIGH, "The center public key file the center vault exported; pinned in the secure zone.")
            .define(PROVISIONING_STATEMENT_FILE, Type.STRING, "", Importance.MEDIUM,
                    "Provisioning CA's statement for this host and its secure zone's signing key ('vmigrate "
                            + "provisioning-ca issue' writes it), presented at enrollment: a center that trusts the CA "
                            + "approves the host at once. Empty: none; the host waits for an operator's approval.")
            .define(RETRY_BACKOFF_MS, Type.LONG, 100L, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "First wait before handling a record again after a transient failure (secure zone, disk, Kafka).")
            .define(RETRY_BACKOFF_MAX_MS, Type.LONG, 5_000L, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "Longest wait between attempts; the wait doubles up to this.")
            .define(STARTUP_TIMEOUT_MS, Type.LONG, 60_000L, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "How long enrollment at start waits for the secure zone and Kafka before giving up.")
            .define(POLL_MS, Type.LONG, 100L, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "Consumer poll timeout.")
            .define(PUBLISH_TIMEOUT_MS, Type.LONG, 30_000L, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "How long to wait for Kafka to acknowledge a reply before treating it as a transient failure.")
            .define(COMMAND_TOPIC_PARTITIONS, Type.INT, 1, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "Partitions of this host's command topic when the agent creates it.")
            .define(COMMAND_TOPIC_REPLICATION_FACTOR, Type.SHORT, (short) 1, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "Replication factor of this host's command topic when the agent creates it (3 on a real cluster).")
            .define(METRICS_HOST, Type.STRING, "localhost", new ConfigDef.NonEmptyString(), Importance.LOW,
                    "Address the agent's Prometheus endpoint (GET /metrics) binds to (0.0.0.0 for every interface).")
            .define(METRICS_PORT, Type.INT, 0, ConfigDef.Range.between(-1, 65535), Importance.LOW,
                    "Port of the agent's Prometheus endpoint: 0 picks a free port, -1 serves none.")
            .define(PROCESSED_RETENTION_MS, Type.LONG, ProcessedCommandStore.DEFAULT_RETENTION.toMillis(),
                    ConfigDef.Range.atLeast(MIN_PROCESSED_RETENTION_MS), Importance.LOW,
                    "How long after its envelope expires a handled command is still remembered by message id (to "
                            + "republish its reply on redelivery, or refuse it as a replay). Afterwards the secure zone "
                            + "refuses it as expired before anything else, so it must cover the zone's clock skew "
                            + "allowance (vmigrate.secure.zone.clock.skew.ms); a clock stepped back is covered by the zone's "
                            + "reply watermark. At least (and by default) one hour, the largest skew a zone accepts.");

    public HostAgentConfig(Map<?, ?> originals) {
        super(DEFINITION, originals, false);
        if (retryBackoffMax().compareTo(retryBackoff()) < 0) {
            throw new ConfigException(RETRY_BACKOFF_MAX_MS, getLong(RETRY_BACKOFF_MAX_MS),
                    "must not be below " + RETRY_BACKOFF_MS + " (" + getLong(RETRY_BACKOFF_MS) + ")");
        }
    }

    private static void validBackend(String name, Object value) {
        try {
            HypervisorBackend.parse((String) value);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(name, value, e.getMessage());
        }
    }

    /** Whether the agent serves GET /metrics (port -1 turns it off). */
    public boolean metricsEnabled() {
        return getInt(METRICS_PORT) >= 0;
    }

    public String hostId() {
        return getString(HOST_ID);
    }

    public Suite suite() {
        return Suite.parse(getString(SUITE));
    }

    public WireFormat wireFormat() {
        return WireFormat.parse(getString(WIRE_FORMAT));
    }

    public Topics topics() {
        return new Topics(wireFormat().serdeFactory());
    }

    /** The only topic this agent consumes. */
    public String commandTopic() {
        return Topics.hostCommandsTopicName(hostId());
    }

    /** One consumer group per host: only this host's agent reads its commands. */
    public String groupId() {
        return "vmigrate-host-" + hostId();
    }

    /** Static membership: a restarted agent takes its partitions back without a rebalance. */
    public String groupInstanceId() {
        return "host-agent-" + hostId();
    }

    public Path secureZoneSocket() {
        return Path.of(getString(SECURE_ZONE_SOCKET));
    }

    public Path stateDir() {
        return Path.of(getString(STATE_DIR));
    }

    public Password agentKeystorePassword() {
        return getPassword(AGENT_KEYSTORE_PASSWORD);
    }

    public HypervisorBackend hypervisorBackend() {
        return HypervisorBackend.parse(getString(HYPERVISOR_BACKEND));
    }

    /** What the configured hypervisor backend is built from. */
    public HypervisorSettings hypervisorSettings() {
        Map<String, String> hypervisor = new HashMap<>();
        originalsWithPrefix("vmigrate.hypervisor.", false).forEach((key, value) -> hypervisor.put(key, String.valueOf(value)));
        return new HypervisorSettings(hostId(), hypervisorRoot(), hypervisor);
    }

    public Path hypervisorRoot() {
        return Path.of(getString(HYPERVISOR_ROOT));
    }

    public Path centerPublicKeyFile() {
        return Path.of(getString(CENTER_PUBLIC_KEY_FILE));
    }

    /** The provisioning statement to present at enrollment, if one is configured. */
    public java.util.Optional<Path> provisioningStatementFile() {
        String path = getString(PROVISIONING_STATEMENT_FILE);
        return path.isBlank() ? java.util.Optional.empty() : java.util.Optional.of(Path.of(path));
    }

    public Duration retryBackoff() {
        return Duration.ofMillis(getLong(RETRY_BACKOFF_MS));
    }

    public Duration retryBackoffMax() {
        return Duration.ofMillis(getLong(RETRY_BACKOFF_MAX_MS));
    }

    public Duration startupTimeout() {
        return Duration.ofMillis(getLong(STARTUP_TIMEOUT_MS));
    }

    public Duration pollTimeout() {
        return Duration.ofMillis(getLong(POLL_MS));
    }

    /** How long after its expiry a handled command is remembered; see {@link #PROCESSED_RETENTION_MS}. */
    public Duration processedCommandRetention() {
        return Duration.ofMillis(getLong(PROCESSED_RETENTION_MS));
    }

    public Duration publishTimeout() {
        return Duration.ofMillis(getLong(PUBLISH_TIMEOUT_MS));
    }

    public int commandTopicPartitions() {
        return getInt(COMMAND_TOPIC_PARTITIONS);
    }

    public short commandTopicReplicationFactor() {
        return getShort(COMMAND_TOPIC_REPLICATION_FACTOR);
    }

    /** Connection settings every Kafka client of this agent shares: brokers plus {@code kafka.*} pass-through. */
    public Map<String, Object> kafkaClientSettings() {
        Map<String, Object> settings = new HashMap<>(originalsWithPrefix(KAFKA_CLIENT_PREFIX));
        settings.put(BOOTSTRAP_SERVERS, String.join(",", getList(BOOTSTRAP_SERVERS)));
        return settings;
    }

    /** Settings of the agent's own Kafka client, over the configured client settings. */
    Map<String, Object> consumerSettings() {
        Map<String, Object> settings = new HashMap<>(kafkaClientSettings());
        settings.put(ConsumerConfig.GROUP_ID_CONFIG, groupId());
        settings.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, groupInstanceId());
        settings.put(ConsumerConfig.CLIENT_ID_CONFIG, "host-agent-" + hostId() + "-consumer");
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        settings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return settings;
    }

    /** Settings of the agent's own Kafka client, over the configured client settings. */
    Map<String, Object> producerSettings() {
        Map<String, Object> settings = new HashMap<>(kafkaClientSettings());
        settings.put(ProducerConfig.CLIENT_ID_CONFIG, "host-agent-" + hostId() + "-producer");
        settings.put(ProducerConfig.ACKS_CONFIG, "all");
        settings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        settings.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        return settings;
    }

    /** Settings of the agent's own Kafka client, over the configured client settings. */
    Map<String, Object> adminSettings() {
        Map<String, Object> settings = new HashMap<>(kafkaClientSettings());
        settings.put(AdminClientConfig.CLIENT_ID_CONFIG, "host-agent-" + hostId() + "-admin");
        return settings;
    }
}
