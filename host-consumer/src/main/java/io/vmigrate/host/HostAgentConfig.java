package io.vmigrate.host;

import io.vmigrate.schema.config.ConfigValidators;
import io.vmigrate.schema.serde.WireFormat;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.trust.Suite;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
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
                    "Directory for the agent's durable state (processed command ids, sealed agent key).")
            .define(AGENT_KEYSTORE_PASSWORD, Type.PASSWORD, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH,
                    "Password that seals the agent key at rest.");

    public HostAgentConfig(Map<?, ?> originals) {
        super(DEFINITION, originals, false);
    }

    public String hostId() {
        return getString(HOST_ID);
    }

    public Suite suite() {
        return Suite.parse(getString(SUITE));
    }

    /** The only topic this agent consumes. */
    public String commandTopic() {
        return Topics.hostCommandsTopicName(hostId());
    }

    /** Static membership: a restarted agent takes its partitions back without a rebalance. */
    public String groupInstanceId() {
        return "host-agent-" + hostId();
    }

    public Password agentKeystorePassword() {
        return getPassword(AGENT_KEYSTORE_PASSWORD);
    }
}
