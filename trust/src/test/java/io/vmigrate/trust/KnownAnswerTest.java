package io.vmigrate.trust;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.trust.internal.BouncyCastle;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.hpke.HPKE;
import org.bouncycastle.crypto.hpke.HPKEContext;
import org.bouncycastle.crypto.hpke.HPKEContextWithEncapsulation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Published values from /work/shared/vectors/known-answers.md and RFC 9180; never regenerated. */
class KnownAnswerTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final SecretKeyAccess ACCESS = SecretKeyAccess.insecureSecretAccess();

    @Test
    void sm3OfAbc() {
        assertThat(HEX.formatHex(CryptoSuites.get(Suite.GM).digest().digest(ascii("abc"))))
                .isEqualTo("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    }

    @Test
    void sm3OfAbcdRepeated16Times() {
        byte[] message = ascii("abcd".repeat(16));
        Digest sm3 = CryptoSuites.get(Suite.GM).digest();
        String expected = "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732";
        assertThat(HEX.formatHex(sm3.digest(message))).isEqualTo(expected);
        assertThat(HEX.formatHex(sm3.digest(Arrays.copyOf(message, 10), Arrays.copyOfRange(message, 10, 64)))).isEqualTo(expected);
    }

    @Test
    void sm4OneBlockEcb() throws Exception {
        Cipher sm4 = Cipher.getInstance("SM4/ECB/NoPadding", BouncyCastle.provider());
        sm4.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(HEX.parseHex("0123456789abcdeffedcba9876543210"), "SM4"));
        assertThat(HEX.formatHex(sm4.doFinal(HEX.parseHex("0123456789abcdeffedcba9876543210"))))
                .isEqualTo("681edf34d206965e86b3e94f536e4246");
    }

    @ParameterizedTest(name = "RFC 8032 test {0}")
    @CsvSource({
        "1, 9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60, "
                + "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a, '', "
                + "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        "2, 4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb, "
                + "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c, 72, "
                + "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
    })
    void ed25519(int test, String seed, String publicKey, String message, String signature) throws Exception {
        byte[] pkcs8 = new PrivateKeyInfo(new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519),
                new DEROctetString(HEX.parseHex(seed))).getEncoded();
        PrivateKeyHandle key = PrivateKeyHandle.importPkcs8(Suite.INTL, KeyPurpose.SIGNING, SecretBytes.copyOf(pkcs8), ACCESS);

        byte[] spki = key.publicKey().encoded();
        assertThat(spki).hasSize(44);
        assertThat(HEX.formatHex(Arrays.copyOfRange(spki, 12, 44))).isEqualTo(publicKey);

        byte[] messageBytes = message == null ? new byte[0] : HEX.parseHex(message);
        Signature ed25519 = Signature.getInstance("Ed25519", BouncyCastle.provider());
        ed25519.initSign(key.jcaKey());
        ed25519.update(messageBytes);
        assertThat(HEX.formatHex(ed25519.sign())).isEqualTo(signature);

        ed25519.initVerify(PublicKeyHandle.decode(Suite.INTL, KeyPurpose.SIGNING, spki).jcaKey());
        ed25519.update(messageBytes);
        assertThat(ed25519.verify(HEX.parseHex(signature))).isTrue();
    }

    /**
     * RFC 9180 A.1.1 (base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM), run
     * against BC's HPKE. The RFC has no X25519 + AES-256-GCM vector; this pins BC's DHKEM and key
     * schedule, which our AES-256-GCM suite shares.
     */
    @Test
    void hpkeRfc9180A11() throws Exception {
        HPKE hpke = new HPKE(HPKE.mode_base, HPKE.kem_X25519_SHA256, HPKE.kdf_HKDF_SHA256, HPKE.aead_AES_GCM128);
        AsymmetricCipherKeyPair ephemeral = hpke.deriveKeyPair(HEX.parseHex("7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234"));
        AsymmetricCipherKeyPair recipient = hpke.deriveKeyPair(HEX.parseHex("6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037"));
        // BC serialises private keys clamped (RFC 7748), so the derived keys are checked through their public halves.
        assertThat(HEX.formatHex(hpke.serializePublicKey(ephemeral.getPublic())))
                .isEqualTo("37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431");
        assertThat(HEX.formatHex(hpke.serializePublicKey(recipient.getPublic())))
                .isEqualTo("3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d");

        byte[] info = HEX.parseHex("4f6465206f6e2061204772656369616e2055726e");
        byte[] plaintext = HEX.parseHex("4265617574792069732074727574682c20747275746820626561757479");
        String ct0 = "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a";
        String ct1 = "af2d7e9ac9ae7e270f46ba1f975be53c09f8d875bdc8535458c2494e8a6eab251c03d0c22a56b8ca42c2063b84";

        HPKEContextWithEncapsulation sender = hpke.setupBaseS(recipient.getPublic(), info, ephemeral);
        assertThat(HEX.formatHex(sender.getEncapsulation())).isEqualTo("37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431");
        assertThat(HEX.formatHex(sender.seal(HEX.parseHex("436f756e742d30"), plaintext))).isEqualTo(ct0);
        assertThat(HEX.formatHex(sender.seal(HEX.parseHex("436f756e742d31"), plaintext))).isEqualTo(ct1);

        // the recipient side, with the published (unclamped) skRm
        AsymmetricCipherKeyPair publishedRecipient = hpke.deserializePrivateKey(
                HEX.parseHex("4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8"),
                HEX.parseHex("3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d"));
        HPKEContext receiver = hpke.setupBaseR(HEX.parseHex("37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431"),
                publishedRecipient, info);
        assertThat(receiver.open(HEX.parseHex("436f756e742d30"), HEX.parseHex(ct0))).isEqualTo(plaintext);
        assertThat(receiver.open(HEX.parseHex("436f756e742d31"), HEX.parseHex(ct1))).isEqualTo(plaintext);
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
