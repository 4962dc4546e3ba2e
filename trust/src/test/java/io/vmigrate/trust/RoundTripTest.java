package io.vmigrate.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RoundTripTest {
    private static final SecretKeyAccess ACCESS = SecretKeyAccess.insecureSecretAccess();

    @ParameterizedTest
    @EnumSource(Suite.class)
    void signAndVerify(Suite suite) throws Exception {
        CryptoSuite crypto = CryptoSuites.get(suite);
        PrivateKeyHandle key = TestKeys.signingKey(suite);
        byte[] message = "install vm-42".getBytes(StandardCharsets.UTF_8);

        SignatureBlob blob = crypto.signer(key).sign(message, TestKeys.CONTEXT);
        SignatureBlob parsed = SignatureBlob.parse(blob.toBytes());

        assertThat(parsed).isEqualTo(blob);
        assertThat(parsed.suite()).isEqualTo(suite);
        assertThat(parsed.signerKeyId()).isEqualTo(key.keyId());
        Verifier verifier = crypto.verifier(PublicKeyHandle.decode(suite, KeyPurpose.SIGNING, key.publicKey().encoded()));
        assertThatCode(() -> verifier.verify(parsed, message, TestKeys.CONTEXT)).doesNotThrowAnyException();
        // the per-thread Signature objects are reused: a second round must work too
        SignatureBlob second = crypto.signer(key).sign(new byte[0], Context.of("", "", ""));
        verifier.verify(second, new byte[0], Context.of("", "", ""));
        verifier.verify(parsed, message, TestKeys.CONTEXT);
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void wrapAndUnwrapARealPrivateKey(Suite suite) throws Exception {
        CryptoSuite crypto = CryptoSuites.get(suite);
        PrivateKeyHandle recipient = TestKeys.encapsulationKey(suite);
        PrivateKeyHandle vmKey = crypto.generateSigningKey();
        SecretBytes pkcs8 = vmKey.exportPkcs8(ACCESS);

        WrappedKey wrapped = crypto.keyWrapper(recipient.publicKey()).wrap(pkcs8, TestKeys.CONTEXT);
        WrappedKey parsed = WrappedKey.parse(wrapped.toBytes());
        SecretBytes unwrapped = crypto.keyUnwrapper(recipient).unwrap(parsed, TestKeys.CONTEXT);

        assertThat(parsed).isEqualTo(wrapped);
        assertThat(parsed.recipientKeyId()).isEqualTo(recipient.keyId());
        assertThat(unwrapped.toByteArray(ACCESS)).isEqualTo(pkcs8.toByteArray(ACCESS));
        PrivateKeyHandle restored = PrivateKeyHandle.importPkcs8(suite, KeyPurpose.SIGNING, unwrapped, ACCESS);
        assertThat(restored.keyId()).isEqualTo(vmKey.keyId());
        assertThat(restored.publicKey()).isEqualTo(vmKey.publicKey());
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void aeadEncryptAndDecrypt(Suite suite) throws Exception {
        CryptoSuite crypto = CryptoSuites.get(suite);
        SecretBytes key = crypto.generateAeadKey();
        Aead aead = crypto.aead(key);
        byte[] plaintext = "vm state chunk".getBytes(StandardCharsets.UTF_8);
        byte[] ad = TestKeys.CONTEXT.encode();

        AeadCiphertext ciphertext = aead.encrypt(plaintext, ad);
        AeadCiphertext parsed = AeadCiphertext.parse(ciphertext.toBytes());

        assertThat(parsed).isEqualTo(ciphertext);
        assertThat(crypto.aead(key).decrypt(parsed, ad)).isEqualTo(plaintext);
        assertThat(aead.decrypt(aead.encrypt(new byte[0], new byte[0]), new byte[0])).isEmpty();
        assertThat(aead.encrypt(plaintext, ad).nonce()).isNotEqualTo(ciphertext.nonce());
        assertThat(aead.keyId()).isEqualTo(crypto.aead(key).keyId()).isNotEqualTo(crypto.aead(crypto.generateAeadKey()).keyId());
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void privateKeyExportAndImportKeepTheKeyId(Suite suite) {
        for (PrivateKeyHandle key : new PrivateKeyHandle[] {TestKeys.signingKey(suite), TestKeys.encapsulationKey(suite)}) {
            PrivateKeyHandle imported = PrivateKeyHandle.importPkcs8(suite, key.purpose(), key.exportPkcs8(ACCESS), ACCESS);
            assertThat(imported.keyId()).isEqualTo(key.keyId());
            assertThat(imported.toString()).isEqualTo(key.toString()).contains(suite.name(), key.keyId().toString());
        }
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void destroyedPrivateKeyCannotBeUsed(Suite suite) {
        PrivateKeyHandle key = CryptoSuites.get(suite).generateSigningKey();
        key.destroy();
        assertThat(key.isDestroyed()).isTrue();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> key.exportPkcs8(ACCESS)).isInstanceOf(IllegalStateException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CryptoSuites.get(suite).signer(key))
                .isInstanceOf(IllegalStateException.class);
    }
}
