package io.vmigrate.schema.keys;

import io.vmigrate.schema.common.KeyPurpose;
import io.vmigrate.schema.common.Suite;

/**
 * The one mapping between the crypto API's {@link io.vmigrate.trust.Suite} and
 * {@link io.vmigrate.trust.KeyPurpose} and their wire forms in the Avro contract. Every switch is
 * exhaustive without a default, so a suite or purpose added on one side does not compile until it is
 * mapped here: it can never fall into another suite's branch.
 */
public final class WireEnums {

    private WireEnums() {}

    public static Suite toWire(io.vmigrate.trust.Suite suite) {
        return switch (suite) {
            case GM -> Suite.GM;
            case INTL -> Suite.INTL;
        };
    }

    public static io.vmigrate.trust.Suite fromWire(Suite suite) {
        return switch (suite) {
            case GM -> io.vmigrate.trust.Suite.GM;
            case INTL -> io.vmigrate.trust.Suite.INTL;
        };
    }

    public static KeyPurpose toWire(io.vmigrate.trust.KeyPurpose purpose) {
        return switch (purpose) {
            case SIGNING -> KeyPurpose.SIGNING;
            case KEY_ENCAPSULATION -> KeyPurpose.KEY_ENCAPSULATION;
        };
    }

    public static io.vmigrate.trust.KeyPurpose fromWire(KeyPurpose purpose) {
        return switch (purpose) {
            case SIGNING -> io.vmigrate.trust.KeyPurpose.SIGNING;
            case KEY_ENCAPSULATION -> io.vmigrate.trust.KeyPurpose.KEY_ENCAPSULATION;
        };
    }
}
