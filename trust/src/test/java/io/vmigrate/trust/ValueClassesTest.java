package io.vmigrate.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Context encoding, SecretBytes hygiene and the blob layouts. */
class ValueClassesTest {
    private static final SecretKeyAccess ACCESS = SecretKeyAccess.insecureSecretAccess();

    @Test
    void contextEncodingIsInjective() {
        assertThat(Context.of("ab", "c", "").encode()).isNotEqualTo(Context.of("a", "bc", "").encode());
        assertThat(Context.of("a", "b", "c").encode()).isNotEqualTo(Context.of("a", "b", "c", "").encode());
        assertThat(Context.of("", "", "").encode()).isNotEqualTo(Context.of("", "", "", "").encode());
        assertThat(Context.of("m", "v", "h", "p").encode()).isEqualTo(Context.of("m", "v", "h").withPurpose("p").encode());
        assertThat(HexFormat.of().formatHex(Context.of("m", "v", "", "p").encode()))
                .isEqualTo("000000016d" + "0000000176" + "00000000" + "01" + "0000000170");
        assertThat(Context.of("m", "v", "h", "p")).isEqualTo(Context.of("m", "v", "h").withPurpose("p"))
                .isNotEqualTo(Context.of("m", "v", "h"));
        assertThatThrownBy(() -> Context.of(null, "v", "h")).isInstanceOf(NullPointerException.class);
    }

    @Test
    void secretBytesNeverShowTheirContentAndCanBeDestroyed() {
        byte[] raw = {0x41, 0x42, 0x43, 0x44};
        SecretBytes secret = SecretBytes.copyOf(raw);
        raw[0] = 0;

        assertThat(secret.toString()).doesNotContain("ABCD", "41424344", "65").contains("4 bytes");
        assertThat(secret.toByteArray(ACCESS)).containsExactly(0x41, 0x42, 0x43, 0x44);
        assertThat(secret.size()).isEqualTo(4);
        assertThatThrownBy(() -> secret.toByteArray(null)).isInstanceOf(NullPointerException.class);
        byte[] view = secret.internalView();
        secret.destroy();
        assertThat(view).containsOnly(0);
        assertThatThrownBy(() -> secret.toByteArray(ACCESS)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void privateKeyToStringShowsOnlySuitePurposeAndKeyId() {
        PrivateKeyHandle key = TestKeys.signingKey(Suite.GM);
        assertThat(key.toString()).isEqualTo("PrivateKeyHandle[GM SIGNING " + key.keyId() + "]");
    }

    @Test
    void signatureBlobLayout() throws Exception {
        PrivateKeyHandle key = TestKeys.signingKey(Suite.INTL);
        SignatureBlob blob = CryptoSuites.get(Suite.INTL).signer(key).sign(new byte[3], TestKeys.CONTEXT);
        byte[] bytes = blob.toBytes();

        assertThat(bytes).hasSize(1 + 1 + 16 + 4 + 64);
        assertThat(bytes[0]).isEqualTo((byte) 0x11);
        assertThat(bytes[1]).isEqualTo((byte) 2);
        assertThat(java.util.Arrays.copyOfRange(bytes, 2, 18)).isEqualTo(key.keyId().toBytes());
        assertThat(java.util.Arrays.copyOfRange(bytes, 18, 22)).containsExactly(0, 0, 0, 64);
    }

    @Test
    void malformedBlobsAreRefused() throws Exception {
        SignatureBlob blob = CryptoSuites.get(Suite.GM).signer(TestKeys.signingKey(Suite.GM)).sign(new byte[1], TestKeys.CONTEXT);
        byte[] bytes = blob.toBytes();
        byte[] trailing = java.util.Arrays.copyOf(bytes, bytes.length + 1);
        byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 1);
        byte[] badVersion = bytes.clone();
        badVersion[0] = 0x12;
        byte[] badSuite = bytes.clone();
        badSuite[1] = 9;
        byte[] hugeLength = bytes.clone();
        hugeLength[18] = (byte) 0x7f;

        for (byte[] malformed : new byte[][] {trailing, truncated, badVersion, badSuite, hugeLength, new byte[0], null}) {
            assertThatThrownBy(() -> SignatureBlob.parse(malformed)).isInstanceOf(MalformedBlobException.class);
        }
        assertThatThrownBy(() -> SignatureBlob.parse(trailing)).hasMessageContaining("trailing");
        assertThatThrownBy(() -> SignatureBlob.parse(badSuite)).hasMessageContaining("suite");

        // one kind of blob is never parsed as another
        SecretBytes secret = SecretBytes.random(32);
        WrappedKey wrapped = CryptoSuites.get(Suite.GM).keyWrapper(TestKeys.encapsulationKey(Suite.GM).publicKey()).wrap(secret, TestKeys.CONTEXT);
        AeadCiphertext ciphertext = CryptoSuites.get(Suite.GM).aead(SecretBytes.random(16)).encrypt(new byte[1], new byte[0]);
        assertThatThrownBy(() -> SignatureBlob.parse(wrapped.toBytes())).isInstanceOf(MalformedBlobException.class);
        assertThatThrownBy(() -> AeadCiphertext.parse(bytes)).isInstanceOf(MalformedBlobException.class);
        assertThatThrownBy(() -> WrappedKey.parse(ciphertext.toBytes())).isInstanceOf(MalformedBlobException.class);
        assertThatThrownBy(() -> WrappedKey.parse(java.util.Arrays.copyOf(wrapped.toBytes(), wrapped.toBytes().length + 2)))
                .isInstanceOf(MalformedBlobException.class);
        assertThatThrownBy(() -> AeadCiphertext.parse(java.util.Arrays.copyOf(ciphertext.toBytes(), 20)))
                .isInstanceOf(MalformedBlobException.class);
    }
}
