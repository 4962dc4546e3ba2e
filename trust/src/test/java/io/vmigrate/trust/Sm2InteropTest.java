package io.vmigrate.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmigrate.trust.internal.JcaAlgorithms;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.bouncycastle.crypto.params.ParametersWithID;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.crypto.signers.SM2Signer;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PublicKeyFactory;
import org.junit.jupiter.api.Test;

/** Our JCA-based SM2 signer/verifier against BC's lightweight SM2Signer with the same user id. */
class Sm2InteropTest {
    private static final byte[] USER_ID = "vmigrate".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MESSAGE = "deregister vm-42".getBytes(StandardCharsets.UTF_8);

    private final PrivateKeyHandle key = TestKeys.signingKey(Suite.GM);
    private final byte[] payload = SignedPayload.of(Suite.GM, key.keyId(), TestKeys.CONTEXT, MESSAGE);

    @Test
    void userIdIsVmigrate() {
        assertThat(JcaAlgorithms.SM2_USER_ID).isEqualTo(USER_ID);
    }

    @Test
    void lightweightSignatureVerifiesWithOurVerifier() throws Exception {
        byte[] signature = lightweightSign(USER_ID);
        Verifier verifier = CryptoSuites.get(Suite.GM).verifier(key.publicKey());

        verifier.verify(new SignatureBlob(Suite.GM, key.keyId(), signature), MESSAGE, TestKeys.CONTEXT);
    }

    @Test
    void lightweightSignatureWithAnotherUserIdIsRefused() throws Exception {
        byte[] signature = lightweightSign("1234567812345678".getBytes(StandardCharsets.US_ASCII));
        Verifier verifier = CryptoSuites.get(Suite.GM).verifier(key.publicKey());

        assertThatThrownBy(() -> verifier.verify(new SignatureBlob(Suite.GM, key.keyId(), signature), MESSAGE, TestKeys.CONTEXT))
                .isInstanceOf(SignatureRefusedException.class).hasMessageContaining("signature invalid");
    }

    @Test
    void ourSignatureVerifiesWithLightweightSigner() throws Exception {
        SignatureBlob blob = CryptoSuites.get(Suite.GM).signer(key).sign(MESSAGE, TestKeys.CONTEXT);
        SM2Signer verifier = new SM2Signer();
        verifier.init(false, new ParametersWithID(PublicKeyFactory.createKey(key.publicKey().encoded()), USER_ID));
        verifier.update(payload, 0, payload.length);

        assertThat(verifier.verifySignature(blob.signature())).isTrue();
    }

    private byte[] lightweightSign(byte[] userId) throws Exception {
        byte[] pkcs8 = key.exportPkcs8(SecretKeyAccess.insecureSecretAccess()).toByteArray(SecretKeyAccess.insecureSecretAccess());
        SM2Signer signer = new SM2Signer();
        signer.init(true, new ParametersWithID(new ParametersWithRandom(PrivateKeyFactory.createKey(pkcs8), new SecureRandom()), userId));
        signer.update(payload, 0, payload.length);
        return signer.generateSignature();
    }
}
