package io.vmigrate.schema.serde;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How record values are framed on Kafka. */
public enum WireFormat {
    /** Avro single-object encoding: 2-byte marker, CRC-64-AVRO fingerprint, binary datum. */
    SINGLE_OBJECT;

    /** Configuration key naming the wire format; values are the lower-case names, e.g. {@code single-object}. */
    public static final String CONFIG = "vmigrate.wire.format";

    public static final WireFormat DEFAULT = SINGLE_OBJECT;

    public String configValue() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static WireFormat parse(String value) {
        for (WireFormat format : values()) {
            if (format.configValue().equalsIgnoreCase(value.strip())) {
                return format;
            }
        }
        throw new IllegalArgumentException(
                "unknown " + CONFIG + " '" + value + "'; expected one of "
                        + Arrays.stream(values()).map(WireFormat::configValue).collect(Collectors.joining(", ")));
    }

    /** The serde factory for this format. */
    public SerdeFactory serdeFactory() {
        switch (this) {
            case SINGLE_OBJECT:
                return SingleObjectSerdeFactory.INSTANCE;
            default:
                throw new AssertionError(this);
        }
    }
}
