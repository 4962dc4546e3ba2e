package io.vmigrate.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.crypto.digests.SM3Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class KeyIdTest {
    private static final HexFormat HEX = HexFormat.of();

    @ParameterizedTest
    @EnumSource(Suite.class)
    void keyIdIsStableAcrossEncodeAndDecode(Suite suite) {
        for (PrivateKeyHandle key : new PrivateKeyHandle[] {TestKeys.signingKey(suite), TestKeys.encapsulationKey(suite)}) {
            PublicKeyHandle decoded = PublicKeyHandle.decode(suite, key.purpose(), key.publicKey().encoded());
            assertThat(decoded.keyId()).isEqualTo(key.keyId()).hasSameHashCodeAs(key.keyId());
            assertThat(KeyId.of(key.keyId().toString())).isEqualTo(key.keyId());
            assertThat(key.keyId().toString()).matches("[0-9a-f]{32}");
        }
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void keyIdDiffersPerKey(Suite suite) {
        CryptoSuite crypto = CryptoSuites.get(suite);
        assertThat(crypto.generateSigningKey().keyId()).isNotEqualTo(crypto.generateSigningKey().keyId());
        assertThat(crypto.generateEncapsulationKey().keyId()).isNotEqualTo(crypto.generateEncapsulationKey().keyId());
    }

    @Test
    void gmKeyIdIsTheFirst16BytesOfSm3OfTheSpki() {
        PublicKeyHandle key = TestKeys.signingKey(Suite.GM).publicKey();
        SM3Digest sm3 = new SM3Digest();
        byte[] spki = key.encoded();
        sm3.update(spki, 0, spki.length);
        byte[] digest = new byte[32];
        sm3.doFinal(digest, 0);
        assertThat(key.keyId().toString()).isEqualTo(HEX.formatHex(Arrays.copyOf(digest, 16)));
    }

    @Test
    void intlKeyIdIsTheFirst16BytesOfSha256OfTheSpki() throws Exception {
        PublicKeyHandle key = TestKeys.signingKey(Suite.INTL).publicKey();
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.encoded());
        assertThat(key.keyId().toString()).isEqualTo(HEX.formatHex(Arrays.copyOf(digest, 16)));
    }

    @Test
    void aeadKeyIdIsALabelledDigestOfTheKey() throws Exception {
        SecretBytes key = CryptoSuites.get(Suite.INTL).generateAeadKey();
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        sha256.update("vmigrate-aead-key-id".getBytes(StandardCharsets.US_ASCII));
        sha256.update(key.toByteArray(SecretKeyAccess.insecureSecretAccess()));
        assertThat(CryptoSuites.get(Suite.INTL).aead(key).keyId().toString())
                .isEqualTo(HEX.formatHex(Arrays.copyOf(sha256.digest(), 16)));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"0123456789abcdef0123456789abcde", "0123456789abcdef0123456789abcdef0",
        "0123456789ABCDEF0123456789ABCDEF", "0123456789abcdef0123456789abcdeg", " 0123456789abcdef0123456789abcde",
        "0123456789abcdef-123456789abcdef"})
    void keyIdOfRejectsBadInput(String text) {
        assertThatThrownBy(() -> KeyId.of(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void keyIdOfAcceptsLowercaseHex() {
        KeyId id = KeyId.of("0123456789abcdef0123456789abcdef");
        assertThat(id.toString()).isEqualTo("0123456789abcdef0123456789abcdef");
        assertThat(id.toBytes()).hasSize(16);
        assertThat(id).isEqualTo(KeyId.of("0123456789abcdef0123456789abcdef")).isNotEqualTo(KeyId.of("f123456789abcdef0123456789abcdef"));
    }
}
