package io.vmigrate.faultrun.invariants;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.SecretKeyAccess;
import io.vmigrate.trust.Suite;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The structure needles find any private key of the suites, whoever made it, and never a public key. */
class PrivateKeyStructuresTest {

    private final ByteNeedles structures = new ByteNeedles(PlaintextKeyScan.PRIVATE_KEY_STRUCTURES);

    @ParameterizedTest
    @EnumSource(Suite.class)
    void everyPrivateKeyOfTheSuiteIsFoundAndNoPublicKeyIs(Suite suite) {
        CryptoSuite crypto = CryptoSuites.get(suite);
        for (PrivateKeyHandle key : new PrivateKeyHandle[] {crypto.generateSigningKey(), crypto.generateEncapsulationKey()}) {
            byte[] pkcs8 = key.exportPkcs8(SecretKeyAccess.insecureSecretAccess()).toByteArray(SecretKeyAccess.insecureSecretAccess());
            byte[] framed = new byte[pkcs8.length + 40];
            System.arraycopy(pkcs8, 0, framed, 17, pkcs8.length);

            assertThat(structures.find(framed)).as("%s %s", suite, key.purpose()).isNotEmpty();
            assertThat(structures.find(key.publicKey().encoded())).as("public %s %s", suite, key.purpose()).isEmpty();
            assertThat(RunKeys.privateValueOf(pkcs8)).hasSize(32);
        }
    }
}
