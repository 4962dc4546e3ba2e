package io.vmigrate.schema.config;

import io.vmigrate.schema.serde.WireFormat;
import io.vmigrate.schema.topic.HostIds;
import io.vmigrate.trust.Suite;
import java.util.function.Consumer;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/** Validators for the settings every vmigrate component shares, so each is checked one way. */
public final class ConfigValidators {

    private ConfigValidators() {}

    public static ConfigDef.Validator suite() {
        return of(value -> Suite.parse(value));
    }

    public static ConfigDef.Validator wireFormat() {
        return of(value -> WireFormat.parse(value));
    }

    public static ConfigDef.Validator hostId() {
        return of(HostIds::requireValid);
    }

    private static ConfigDef.Validator of(Consumer<String> check) {
        return (name, value) -> {
            if (!(value instanceof String)) {
                throw new ConfigException(name, value, "expected a string");
            }
            try {
                check.accept((String) value);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(name, value, e.getMessage());
            }
        };
    }
}
