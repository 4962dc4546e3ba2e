package io.vmigrate.tests.protocol;

import io.vmigrate.trust.Suite;

/** The protocol scenarios with the gm suite (SM2, SM3, SM4-GCM). */
class GmMigrationProtocolIT extends MigrationProtocolScenarios {
    @Override
    Suite suite() {
        return Suite.GM;
    }
}
