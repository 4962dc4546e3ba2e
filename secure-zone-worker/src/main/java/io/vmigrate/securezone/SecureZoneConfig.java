package io.vmigrate.securezone;

import io.vmigrate.schema.config.ConfigValidators;
import io.vmigrate.trust.Suite;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.types.Password;

/**
 * Typed, validated configuration of one host's secure zone. It has no Kafka settings on purpose:
 * the secure zone talks to nobody but its own host agent, over a Unix domain socket.
 */
public final class SecureZoneConfig extends AbstractConfig {

    public static final String HOST_ID = "vmigrate.host.id";
    public static final String SUITE = "vmigrate.suite";
    public static final String SOCKET = "vmigrate.secure.zone.socket";
    public static final String STATE_DIR = "vmigrate.secure.zone.state.dir";
    public static final String SEALING_PASSWORD = "vmigrate.secure.zone.sealing.password";
    public static final String REPLY_TTL_MS = "vmigrate.secure.zone.reply.ttl.ms";
    public static final String CLOCK_SKEW_MS = "vmigrate.secure.zone.clock.skew.ms";
    public static final String MAX_CONNECTIONS = "vmigrate.secure.zone.max.connections";

    public static final ConfigDef DEFINITION = new ConfigDef()
            .define(HOST_ID, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, ConfigValidators.hostId(), Importance.HIGH,
                    "The host this secure zone belongs to; commands for other hosts are refused.")
            .define(SUITE, Type.STRING, "gm", ConfigValidators.suite(), Importance.HIGH, "Crypto suite: gm or intl.")
            .define(SOCKET, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Unix domain socket to listen on (created with mode 0600).")
            .define(STATE_DIR, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Directory of the sealed key store, the vTCM store and the replay cache.")
            .define(SEALING_PASSWORD, Type.PASSWORD, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH,
                    "Password that seals private keys at rest.")
            .define(REPLY_TTL_MS, Type.LONG, 15 * 60_000L, ConfigDef.Range.atLeast(1_000L), Importance.MEDIUM,
                    "Validity of every reply envelope this secure zone signs. A DUPLICATE answer re-serves the"
                            + " reply signed then, so this should outlast an agent restart.")
            .define(CLOCK_SKEW_MS, Type.LONG, 30_000L, ConfigDef.Range.between(0L, 3_600_000L), Importance.MEDIUM,
                    "Clock skew tolerated when checking a command's validity window.")
            .define(MAX_CONNECTIONS, Type.INT, 4, ConfigDef.Range.between(1, 64), Importance.LOW,
                    "Connections served at once (one thread each); further connections are closed at once."
                            + " One host agent needs one.");

    public SecureZoneConfig(Map<?, ?> originals) {
        super(DEFINITION, originals, false);
    }

    public String hostId() {
        return getString(HOST_ID);
    }

    public Suite suite() {
        return Suite.parse(getString(SUITE));
    }

    public Path socketPath() {
        return Path.of(getString(SOCKET));
    }

    public Path stateDir() {
        return Path.of(getString(STATE_DIR));
    }

    public Password sealingPassword() {
        return getPassword(SEALING_PASSWORD);
    }

    public Duration replyTimeToLive() {
        return Duration.ofMillis(getLong(REPLY_TTL_MS));
    }

    public Duration allowedClockSkew() {
        return Duration.ofMillis(getLong(CLOCK_SKEW_MS));
    }

    public int maxConnections() {
        return getInt(MAX_CONNECTIONS);
    }
}
