package io.vmigrate.schema.keys;

import io.vmigrate.schema.common.WireKeyPurpose;
import io.vmigrate.schema.common.WireSuite;
import io.vmigrate.trust.KeyPurpose;
import io.vmigrate.trust.Suite;

/**
 * The one mapping between the crypto API's {@link Suite} and {@link KeyPurpose} and their wire forms
 * in the Avro contract, {@link WireSuite} and {@link WireKeyPurpose}. Every switch is
 * exhaustive without a default, so a suite or purpose added on one side does not compile until it is
 * mapped here: it can never fall into another suite's branch.
 */
public final class WireEnums {

    private WireEnums() {}

    public static WireSuite toWire(Suite suite) {
        return switch (suite) {
            case GM -> WireSuite.GM;
            case INTL -> WireSuite.INTL;
        };
    }

    public static Suite fromWire(WireSuite suite) {
        return switch (suite) {
            case GM -> Suite.GM;
            case INTL -> Suite.INTL;
        };
    }

    public static WireKeyPurpose toWire(KeyPurpose purpose) {
        return switch (purpose) {
            case SIGNING -> WireKeyPurpose.SIGNING;
            case KEY_ENCAPSULATION -> WireKeyPurpose.KEY_ENCAPSULATION;
        };
    }

    public static KeyPurpose fromWire(WireKeyPurpose purpose) {
        return switch (purpose) {
            case SIGNING -> KeyPurpose.SIGNING;
            case KEY_ENCAPSULATION -> KeyPurpose.KEY_ENCAPSULATION;
        };
    }
}
