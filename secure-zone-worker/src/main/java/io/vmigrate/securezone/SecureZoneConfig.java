package io.vmigrate.securezone;

import io.vmigrate.schema.config.ConfigValidators;
import io.vmigrate.trust.Suite;
import java.nio.file.Path;
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

    public static final ConfigDef DEFINITION = new ConfigDef()
            .define(HOST_ID, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, ConfigValidators.hostId(), Importance.HIGH,
                    "The host this secure zone belongs to; commands for other hosts are refused.")
            .define(SUITE, Type.STRING, "gm", ConfigValidators.suite(), Importance.HIGH, "Crypto suite: gm or intl.")
            .define(SOCKET, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Unix domain socket to listen on (created with mode 0600).")
            .define(STATE_DIR, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Directory of the sealed key store, the vTCM store and the replay cache.")
            .define(SEALING_PASSWORD, Type.PASSWORD, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH,
                    "Password that seals private keys at rest.");

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
}
