package io.vmigrate.trust;

import static io.vmigrate.trust.TestKeys.CONTEXT;
import static io.vmigrate.trust.TestKeys.flipped;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every single-byte change (xor 0x01 at each index) of a blob, message, context or associated data
 * is refused with a checked TrustException of the right kind: never success, never an unchecked crash.
 */
class TamperTest {
    private static final SecretKeyAccess ACCESS = SecretKeyAccess.insecureSecretAccess();

    private static byte[] message() {
        byte[] message = new byte[256];
        new Random(7).nextBytes(message);
        return message;
    }

    /** Every context that differs from CONTEXT by one flipped byte in one field, plus purpose changes. */
    private static List<Context> tamperedContexts() {
        List<Context> contexts = new ArrayList<>();
        String purpose = CONTEXT.purpose().orElseThrow();
        for (int i = 0; i < CONTEXT.migrationId().length(); i++) {
            contexts.add(Context.of(flipped(CONTEXT.migrationId(), i), CONTEXT.vmId(), CONTEXT.hostId(), purpose));
        }
        for (int i = 0; i < CONTEXT.vmId().length(); i++) {
            contexts.add(Context.of(CONTEXT.migrationId(), flipped(CONTEXT.vmId(), i), CONTEXT.hostId(), purpose));
        }
        for (int i = 0; i < CONTEXT.hostId().length(); i++) {
            contexts.add(Context.of(CONTEXT.migrationId(), CONTEXT.vmId(), flipped(CONTEXT.hostId(), i), purpose));
        }
        for (int i = 0; i < purpose.length(); i++) {
            contexts.add(CONTEXT.withPurpose(flipped(purpose, i)));
        }
        contexts.add(Context.of(CONTEXT.migrationId(), CONTEXT.vmId(), CONTEXT.hostId()));
        contexts.add(CONTEXT.withPurpose(""));
        contexts.add(CONTEXT.withPurpose("command"));
        // moving bytes between adjacent fields must not collide
        contexts.add(Context.of(CONTEXT.migrationId() + "v", CONTEXT.vmId().substring(1), CONTEXT.hostId(), purpose));
        return contexts;
    }

    private static void assertRefused(ThrowingCallable call, Class<?>... allowed) {
        assertThatThrownBy(call).isInstanceOfAny(allowed);
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void signatures(Suite suite) {
        CryptoSuite crypto = CryptoSuites.get(suite);
        PrivateKeyHandle key = TestKeys.signingKey(suite);
        Verifier verifier = crypto.verifier(key.publicKey());
        byte[] message = message();
        SignatureBlob blob = crypto.signer(key).sign(message, CONTEXT);
        byte[] bytes = blob.toBytes();

        for (int i = 0; i < bytes.length; i++) {
            byte[] tampered = flipped(bytes, i);
            assertRefused(() -> verifier.verify(SignatureBlob.parse(tampered), message, CONTEXT),
                    MalformedBlobException.class, SignatureRefusedException.class);
        }
        for (int i = 0; i < message.length; i++) {
            byte[] tampered = flipped(message, i);
            assertRefused(() -> verifier.verify(blob, tampered, CONTEXT), SignatureRefusedException.class);
        }
        byte[] keyId = blob.signerKeyId().toBytes();
        for (int i = 0; i < keyId.length; i++) {
            SignatureBlob moved = new SignatureBlob(suite, KeyId.fromBytes(flipped(keyId, i)), blob.signature());
            assertRefused(() -> verifier.verify(moved, message, CONTEXT), SignatureRefusedException.class);
        }
        for (Context other : tamperedContexts()) {
            assertRefused(() -> verifier.verify(blob, message, other), SignatureRefusedException.class);
        }
        assertRefused(() -> verifier.verify(blob, new byte[0], CONTEXT), SignatureRefusedException.class);
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void signatureFromWrongKeyOrSuite(Suite suite) throws Exception {
        CryptoSuite crypto = CryptoSuites.get(suite);
        PrivateKeyHandle key = TestKeys.signingKey(suite);
        PrivateKeyHandle otherKey = crypto.generateSigningKey();
        Verifier verifier = crypto.verifier(key.publicKey());
        byte[] message = message();

        SignatureBlob byOther = crypto.signer(otherKey).sign(message, CONTEXT);
        assertThatThrownBy(() -> verifier.verify(byOther, message, CONTEXT))
                .isInstanceOf(SignatureRefusedException.class).hasMessageContaining("key id mismatch");
        // a signature by another key relabelled with this key's id
        SignatureBlob relabelled = new SignatureBlob(suite, key.keyId(), byOther.signature());
        assertThatThrownBy(() -> verifier.verify(relabelled, message, CONTEXT)).isInstanceOf(SignatureRefusedException.class);

        Suite other = TestKeys.other(suite);
        SignatureBlob otherSuite = CryptoSuites.get(other).signer(TestKeys.signingKey(other)).sign(message, CONTEXT);
        assertThatThrownBy(() -> verifier.verify(otherSuite, message, CONTEXT))
                .isInstanceOf(SignatureRefusedException.class).hasMessageContaining("wrong suite");
        // the same signature bytes claimed under the other suite byte
        byte[] bytes = crypto.signer(key).sign(message, CONTEXT).toBytes();
        bytes[1] = (byte) (other == Suite.GM ? 1 : 2);
        SignatureBlob suiteSwapped = SignatureBlob.parse(bytes);
        assertThatThrownBy(() -> verifier.verify(suiteSwapped, message, CONTEXT))
                .isInstanceOf(SignatureRefusedException.class).hasMessageContaining("wrong suite");
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void wrappedKeys(Suite suite) throws Exception {
        CryptoSuite crypto = CryptoSuites.get(suite);
        PrivateKeyHandle recipient = TestKeys.encapsulationKey(suite);
        KeyUnwrapper unwrapper = crypto.keyUnwrapper(recipient);
        SecretBytes secret = TestKeys.signingKey(suite).exportPkcs8(ACCESS);
        WrappedKey wrapped = crypto.keyWrapper(recipient.publicKey()).wrap(secret, CONTEXT);
        byte[] bytes = wrapped.toBytes();

        for (int i = 0; i < bytes.length; i++) {
            byte[] tampered = flipped(bytes, i);
            assertRefused(() -> unwrapper.unwrap(WrappedKey.parse(tampered), CONTEXT),
                    MalformedBlobException.class, UnwrapRefusedException.class);
        }
        for (Context other : tamperedContexts()) {
            assertRefused(() -> unwrapper.unwrap(wrapped, other), UnwrapRefusedException.class);
        }

        KeyUnwrapper wrongKey = crypto.keyUnwrapper(crypto.generateEncapsulationKey());
        assertThatThrownBy(() -> wrongKey.unwrap(wrapped, CONTEXT))
                .isInstanceOf(UnwrapRefusedException.class).hasMessageContaining("key id mismatch");
        WrappedKey relabelled = new WrappedKey(suite, wrongKey.keyId(), wrapped.encapsulation(), wrapped.ciphertext());
        assertThatThrownBy(() -> wrongKey.unwrap(relabelled, CONTEXT)).isInstanceOf(UnwrapRefusedException.class);

        Suite other = TestKeys.other(suite);
        WrappedKey otherSuite = CryptoSuites.get(other).keyWrapper(TestKeys.encapsulationKey(other).publicKey()).wrap(secret, CONTEXT);
        assertThatThrownBy(() -> unwrapper.unwrap(otherSuite, CONTEXT))
                .isInstanceOf(UnwrapRefusedException.class).hasMessageContaining("wrong suite");
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void aeadCiphertexts(Suite suite) throws Exception {
        CryptoSuite crypto = CryptoSuites.get(suite);
        Aead aead = crypto.aead(crypto.generateAeadKey());
        byte[] plaintext = message();
        byte[] associatedData = CONTEXT.encode();
        AeadCiphertext ciphertext = aead.encrypt(plaintext, associatedData);
        byte[] bytes = ciphertext.toBytes();

        for (int i = 0; i < bytes.length; i++) {
            byte[] tampered = flipped(bytes, i);
            assertRefused(() -> aead.decrypt(AeadCiphertext.parse(tampered), associatedData),
                    MalformedBlobException.class, DecryptionRefusedException.class);
        }
        for (int i = 0; i < associatedData.length; i++) {
            byte[] tampered = flipped(associatedData, i);
            assertRefused(() -> aead.decrypt(ciphertext, tampered), DecryptionRefusedException.class);
        }
        assertRefused(() -> aead.decrypt(ciphertext, new byte[0]), DecryptionRefusedException.class);

        Aead wrongKey = crypto.aead(crypto.generateAeadKey());
        assertThatThrownBy(() -> wrongKey.decrypt(ciphertext, associatedData))
                .isInstanceOf(DecryptionRefusedException.class).hasMessageContaining("key id mismatch");
        AeadCiphertext relabelled = new AeadCiphertext(suite, wrongKey.keyId(), ciphertext.nonce(), ciphertext.ciphertext());
        assertThatThrownBy(() -> wrongKey.decrypt(relabelled, associatedData)).isInstanceOf(DecryptionRefusedException.class);

        Suite other = TestKeys.other(suite);
        AeadCiphertext otherSuite = CryptoSuites.get(other).aead(CryptoSuites.get(other).generateAeadKey()).encrypt(plaintext, associatedData);
        assertThatThrownBy(() -> aead.decrypt(otherSuite, associatedData))
                .isInstanceOf(DecryptionRefusedException.class).hasMessageContaining("wrong suite");
    }
}
