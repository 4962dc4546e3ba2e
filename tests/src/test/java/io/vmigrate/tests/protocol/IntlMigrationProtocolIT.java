package io.vmigrate.tests.protocol;

import io.vmigrate.trust.Suite;

/** The protocol scenarios with the intl suite (Ed25519, HPKE X25519, SHA-256, AES-256-GCM). */
class IntlMigrationProtocolIT extends MigrationProtocolScenarios {
    @Override
    Suite suite() {
        return Suite.INTL;
    }
}
