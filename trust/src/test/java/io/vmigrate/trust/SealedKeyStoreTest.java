package io.vmigrate.trust;

import static io.vmigrate.common.testing.SecretScan.indexOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.util.BigIntegers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SealedKeyStoreTest {
    private static final char[] PASSWORD = "correct horse battery staple".toCharArray();
    private static final SecretKeyAccess ACCESS = SecretKeyAccess.insecureSecretAccess();

    @TempDir
    Path directory;

    private Map<String, PrivateKeyHandle> allKeys() {
        Map<String, PrivateKeyHandle> keys = new LinkedHashMap<>();
        for (Suite suite : Suite.values()) {
            keys.put(suite + "-signing", TestKeys.signingKey(suite));
            keys.put(suite + "-kem", TestKeys.encapsulationKey(suite));
        }
        return keys;
    }

    @Test
    void keysSurviveAReopenWithSuiteAndPurpose() throws Exception {
        Path file = directory.resolve("keys/host.bcfks");
        SecretBytes kek = SecretBytes.random(32);
        SecretBytes sm4Key = SecretBytes.random(16);
        try (SealedKeyStore store = SealedKeyStore.openOrCreate(file, PASSWORD)) {
            for (Map.Entry<String, PrivateKeyHandle> entry : allKeys().entrySet()) {
                store.put(entry.getKey(), entry.getValue());
            }
            store.putSecret("kek", kek);
            store.putSecret("sm4", sm4Key);
        }

        try (SealedKeyStore reopened = SealedKeyStore.openOrCreate(file, PASSWORD)) {
            assertThat(reopened.aliases()).containsExactlyInAnyOrder("GM-signing", "GM-kem", "INTL-signing", "INTL-kem", "kek", "sm4");
            for (Map.Entry<String, PrivateKeyHandle> entry : allKeys().entrySet()) {
                PrivateKeyHandle original = entry.getValue();
                PrivateKeyHandle restored = reopened.get(entry.getKey()).orElseThrow();
                assertThat(restored.suite()).isEqualTo(original.suite());
                assertThat(restored.purpose()).isEqualTo(original.purpose());
                assertThat(restored.keyId()).isEqualTo(original.keyId());
            }
            assertThat(reopened.getSecret("kek").orElseThrow().toByteArray(ACCESS)).isEqualTo(kek.toByteArray(ACCESS));
            assertThat(reopened.getSecret("sm4").orElseThrow().toByteArray(ACCESS)).isEqualTo(sm4Key.toByteArray(ACCESS));
            assertThat(reopened.get("missing")).isEmpty();
            assertThat(reopened.getSecret("missing")).isEmpty();

            // restored keys work with the originals' counterparts
            for (Suite suite : Suite.values()) {
                CryptoSuite crypto = CryptoSuites.get(suite);
                SignatureBlob blob = crypto.signer(reopened.get(suite + "-signing").orElseThrow()).sign(new byte[] {1}, TestKeys.CONTEXT);
                crypto.verifier(TestKeys.signingKey(suite).publicKey()).verify(blob, new byte[] {1}, TestKeys.CONTEXT);
                WrappedKey wrapped = crypto.keyWrapper(TestKeys.encapsulationKey(suite).publicKey()).wrap(kek, TestKeys.CONTEXT);
                assertThat(crypto.keyUnwrapper(reopened.get(suite + "-kem").orElseThrow()).unwrap(wrapped, TestKeys.CONTEXT)
                        .toByteArray(ACCESS)).isEqualTo(kek.toByteArray(ACCESS));
            }
            assertThatThrownBy(() -> reopened.getSecret("GM-signing")).isInstanceOf(SealedKeyStoreException.class);
            assertThatThrownBy(() -> reopened.get("kek")).isInstanceOf(SealedKeyStoreException.class);
        }
    }

    @Test
    void deleteIsPersistent() throws Exception {
        Path file = directory.resolve("host.bcfks");
        try (SealedKeyStore store = SealedKeyStore.openOrCreate(file, PASSWORD)) {
            store.put("a", TestKeys.signingKey(Suite.GM));
            store.put("b", TestKeys.signingKey(Suite.INTL));
            store.delete("a");
            store.delete("never-there");
        }
        try (SealedKeyStore reopened = SealedKeyStore.openOrCreate(file, PASSWORD)) {
            assertThat(reopened.aliases()).containsExactly("b");
            assertThat(reopened.get("a")).isEmpty();
        }
    }

    @Test
    void wrongPasswordIsRefusedClearly() throws Exception {
        Path file = directory.resolve("host.bcfks");
        try (SealedKeyStore store = SealedKeyStore.openOrCreate(file, PASSWORD)) {
            store.put("a", TestKeys.signingKey(Suite.GM));
        }
        assertThatThrownBy(() -> SealedKeyStore.openOrCreate(file, "wrong".toCharArray()))
                .isInstanceOf(WrongPasswordException.class)
                .hasMessageContaining("wrong password")
                .hasMessageNotContaining("wrong".repeat(2));
    }

    @Test
    void writesLeaveNoTemporaryFilesBehind() throws Exception {
        Path file = directory.resolve("host.bcfks");
        try (SealedKeyStore store = SealedKeyStore.openOrCreate(file, PASSWORD)) {
            store.put("a", TestKeys.encapsulationKey(Suite.INTL));
            store.putSecret("s", SecretBytes.random(32));
        }
        try (Stream<Path> files = Files.list(directory)) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void theFileHoldsNoPrivateKeyBytesInPlaintext() throws Exception {
        Path file = directory.resolve("host.bcfks");
        SecretBytes kek = SecretBytes.random(32);
        List<byte[]> secrets = new ArrayList<>();
        try (SealedKeyStore store = SealedKeyStore.openOrCreate(file, PASSWORD)) {
            for (Map.Entry<String, PrivateKeyHandle> entry : allKeys().entrySet()) {
                store.put(entry.getKey(), entry.getValue());
                byte[] pkcs8 = entry.getValue().exportPkcs8(ACCESS).toByteArray(ACCESS);
                secrets.add(pkcs8);
                secrets.add(rawPrivateScalar(pkcs8));
            }
            store.putSecret("kek", kek);
            secrets.add(kek.toByteArray(ACCESS));
        }
        byte[] contents = Files.readAllBytes(file);
        assertThat(secrets).hasSize(9);
        for (byte[] secret : secrets) {
            assertThat(secret.length).isGreaterThanOrEqualTo(32);
            assertThat(indexOf(contents, secret)).as("secret bytes found in key store file").isEqualTo(-1);
        }
    }

    /** The 32-byte private scalar (SM2 d) or seed (Ed25519/X25519) inside a PKCS#8 key. */
    private static byte[] rawPrivateScalar(byte[] pkcs8) throws Exception {
        Object key = PrivateKeyFactory.createKey(pkcs8);
        if (key instanceof ECPrivateKeyParameters) {
            BigInteger d = ((ECPrivateKeyParameters) key).getD();
            return BigIntegers.asUnsignedByteArray(32, d);
        }
        return ASN1OctetString.getInstance(PrivateKeyInfo.getInstance(pkcs8).parsePrivateKey()).getOctets();
    }
}
