package io.vmigrate.schema.keys;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.trust.KeyPurpose;
import io.vmigrate.trust.Suite;
import org.junit.jupiter.api.Test;

class WireEnumsTest {

    @Test
    void everySuiteMapsToTheWireSuiteOfItsNameAndBack() {
        for (Suite suite : Suite.values()) {
            assertThat(WireEnums.toWire(suite).name()).isEqualTo(suite.name());
            assertThat(WireEnums.fromWire(WireEnums.toWire(suite))).isEqualTo(suite);
        }
        assertThat(io.vmigrate.schema.common.WireSuite.values()).hasSameSizeAs(Suite.values());
    }

    @Test
    void everyPurposeMapsToTheWirePurposeOfItsNameAndBack() {
        for (KeyPurpose purpose : KeyPurpose.values()) {
            assertThat(WireEnums.toWire(purpose).name()).isEqualTo(purpose.name());
            assertThat(WireEnums.fromWire(WireEnums.toWire(purpose))).isEqualTo(purpose);
        }
        assertThat(io.vmigrate.schema.common.WireKeyPurpose.values()).hasSameSizeAs(KeyPurpose.values());
    }
}
