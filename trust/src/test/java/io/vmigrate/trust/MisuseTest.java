package io.vmigrate.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class MisuseTest {
    private static final SecretKeyAccess ACCESS = SecretKeyAccess.insecureSecretAccess();

    @ParameterizedTest
    @EnumSource(Suite.class)
    void keysOfTheWrongPurposeAreRefusedNamingBoth(Suite suite) {
        CryptoSuite crypto = CryptoSuites.get(suite);
        PrivateKeyHandle signing = TestKeys.signingKey(suite);
        PrivateKeyHandle encapsulation = TestKeys.encapsulationKey(suite);

        assertThatThrownBy(() -> crypto.signer(encapsulation)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SIGNING").hasMessageContaining("KEY_ENCAPSULATION");
        assertThatThrownBy(() -> crypto.verifier(encapsulation.publicKey())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SIGNING").hasMessageContaining("KEY_ENCAPSULATION");
        assertThatThrownBy(() -> crypto.keyWrapper(signing.publicKey())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SIGNING").hasMessageContaining("KEY_ENCAPSULATION");
        assertThatThrownBy(() -> crypto.keyUnwrapper(signing)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SIGNING").hasMessageContaining("KEY_ENCAPSULATION");
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void keysOfTheWrongSuiteAreRefusedNamingBoth(Suite suite) {
        CryptoSuite crypto = CryptoSuites.get(suite);
        Suite other = TestKeys.other(suite);

        assertThatThrownBy(() -> crypto.signer(TestKeys.signingKey(other))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(suite.name()).hasMessageContaining(other.name());
        assertThatThrownBy(() -> crypto.verifier(TestKeys.signingKey(other).publicKey())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(suite.name()).hasMessageContaining(other.name());
        assertThatThrownBy(() -> crypto.keyWrapper(TestKeys.encapsulationKey(other).publicKey()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(other.name());
        assertThatThrownBy(() -> crypto.keyUnwrapper(TestKeys.encapsulationKey(other)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(other.name());
        assertThatThrownBy(() -> crypto.aead(CryptoSuites.get(other).generateAeadKey()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bytes");
    }

    @Test
    void publicKeysOfAnotherAlgorithmOrCurveAreRefused() throws Exception {
        byte[] sm2 = TestKeys.signingKey(Suite.GM).publicKey().encoded();
        byte[] ed25519 = TestKeys.signingKey(Suite.INTL).publicKey().encoded();
        byte[] x25519 = TestKeys.encapsulationKey(Suite.INTL).publicKey().encoded();
        KeyPairGenerator p256 = KeyPairGenerator.getInstance("EC");
        p256.initialize(new ECGenParameterSpec("secp256r1"));
        byte[] nistP256 = p256.generateKeyPair().getPublic().getEncoded();

        assertThatThrownBy(() -> PublicKeyHandle.decode(Suite.INTL, KeyPurpose.SIGNING, sm2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PublicKeyHandle.decode(Suite.INTL, KeyPurpose.SIGNING, x25519)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PublicKeyHandle.decode(Suite.INTL, KeyPurpose.KEY_ENCAPSULATION, ed25519))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PublicKeyHandle.decode(Suite.GM, KeyPurpose.SIGNING, ed25519)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PublicKeyHandle.decode(Suite.GM, KeyPurpose.SIGNING, nistP256))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SM2");
        assertThatThrownBy(() -> PublicKeyHandle.decode(Suite.GM, KeyPurpose.SIGNING, new byte[] {0x30, 0x03, 0x02, 0x01, 0x01}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PublicKeyHandle.decode(Suite.GM, KeyPurpose.SIGNING, new byte[0])).isInstanceOf(IllegalArgumentException.class);
        // a tampered SM2 point is off the curve
        byte[] offCurve = TestKeys.flipped(sm2, sm2.length - 1);
        assertThatThrownBy(() -> PublicKeyHandle.decode(Suite.GM, KeyPurpose.SIGNING, offCurve)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void privateKeysOfAnotherAlgorithmAreRefused() throws Exception {
        SecretBytes sm2 = TestKeys.signingKey(Suite.GM).exportPkcs8(ACCESS);
        SecretBytes ed25519 = TestKeys.signingKey(Suite.INTL).exportPkcs8(ACCESS);
        KeyPairGenerator p256 = KeyPairGenerator.getInstance("EC");
        p256.initialize(new ECGenParameterSpec("secp256r1"));
        SecretBytes nistP256 = SecretBytes.copyOf(p256.generateKeyPair().getPrivate().getEncoded());

        assertThatThrownBy(() -> PrivateKeyHandle.importPkcs8(Suite.INTL, KeyPurpose.SIGNING, sm2, ACCESS))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PrivateKeyHandle.importPkcs8(Suite.INTL, KeyPurpose.KEY_ENCAPSULATION, ed25519, ACCESS))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PrivateKeyHandle.importPkcs8(Suite.GM, KeyPurpose.SIGNING, nistP256, ACCESS))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PrivateKeyHandle.importPkcs8(Suite.GM, KeyPurpose.SIGNING, SecretBytes.copyOf(new byte[7]), ACCESS))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void suiteParsing() {
        assertThat(Suite.parse("gm")).isEqualTo(Suite.GM);
        assertThat(Suite.parse("INTL")).isEqualTo(Suite.INTL);
        assertThat(Suite.parse("Intl")).isEqualTo(Suite.INTL);
        assertThatThrownBy(() -> Suite.parse("rsa")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rsa").hasMessageContaining("'gm' or 'intl'");
        assertThatThrownBy(() -> Suite.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 15, 17, 24, 31, 33})
    void aeadKeysOfTheWrongSizeAreRefused(int size) {
        for (Suite suite : Suite.values()) {
            if (size != (suite == Suite.GM ? 16 : 32)) {
                assertThatThrownBy(() -> CryptoSuites.get(suite).aead(SecretBytes.random(size)))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(String.valueOf(size));
            }
        }
    }
}
