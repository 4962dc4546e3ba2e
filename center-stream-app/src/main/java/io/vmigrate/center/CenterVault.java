package io.vmigrate.center;

import io.vmigrate.schema.keys.CenterPublicKeyFile;
import io.vmigrate.schema.center.VaultedVmKey;
import io.vmigrate.schema.keys.KeyContexts;
import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.trust.Aead;
import io.vmigrate.trust.AeadCiphertext;
import io.vmigrate.trust.Context;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.DecryptionRefusedException;
import io.vmigrate.trust.KeyPurpose;
import io.vmigrate.trust.MalformedBlobException;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.SealedKeyStore;
import io.vmigrate.trust.SealedKeyStoreException;
import io.vmigrate.trust.SecretBytes;
import io.vmigrate.trust.SecretKeyAccess;
import io.vmigrate.trust.Signer;
import io.vmigrate.trust.Suite;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The center's secure zone: the only holder of the center signing key and of the key-encryption key
 * (KEK) under which VM private keys are kept. Both are generated on first start and sealed in a
 * {@link SealedKeyStore}. VM private keys leave it only AEAD-encrypted under the KEK (for the
 * {@code vm-keys} store) or wrapped to a destination secure zone's encapsulation key. Thread-safe.
 */
public final class CenterVault implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CenterVault.class);
    static final String SIGNING_ALIAS = "center-signing-key";
    static final String KEK_ALIAS = "center-kek";
    private static final SecretKeyAccess ACCESS = SecretKeyAccess.insecureSecretAccess();

    private final CryptoSuite crypto;
    private final PrivateKeyHandle signingKey;
    private final Signer signer;
    private final SecretBytes kek;
    private final Aead kekAead;

    private CenterVault(CryptoSuite crypto, PrivateKeyHandle signingKey, SecretBytes kek) {
        this.crypto = crypto;
        this.signingKey = signingKey;
        this.signer = crypto.signer(signingKey);
        this.kek = kek;
        this.kekAead = crypto.aead(kek);
    }

    /**
     * Opens the vault at {@code file}, generating the center signing key and KEK on first start.
     * Refuses a vault made for another suite, or one holding only one of the two keys.
     */
    public static CenterVault openOrCreate(Path file, char[] password, Suite suite) throws SealedKeyStoreException {
        Objects.requireNonNull(suite, "suite");
        CryptoSuite crypto = CryptoSuites.get(suite);
        createParent(file);
        try (SealedKeyStore store = SealedKeyStore.openOrCreate(file, password)) {
            Optional<PrivateKeyHandle> signing = store.get(SIGNING_ALIAS);
            Optional<SecretBytes> kek = store.getSecret(KEK_ALIAS);
            if (signing.isEmpty() && kek.isEmpty()) {
                PrivateKeyHandle newSigning = crypto.generateSigningKey();
                SecretBytes newKek = crypto.generateAeadKey();
                store.putSecret(KEK_ALIAS, newKek);
                store.put(SIGNING_ALIAS, newSigning);
                LOG.info("center vault {} created: signing key {}, suite {}", store.file(), newSigning.keyId(), suite);
                return new CenterVault(crypto, newSigning, newKek);
            }
            if (signing.isEmpty() || kek.isEmpty()) {
                throw new IllegalStateException("center vault " + file + " holds only one of its two keys; refusing to "
                        + "generate the other (restore the vault from backup)");
            }
            if (signing.get().suite() != suite || signing.get().purpose() != KeyPurpose.SIGNING) {
                throw new IllegalStateException("center vault " + file + " holds a " + signing.get().suite()
                        + " key but the center is configured for " + suite);
            }
            LOG.info("center vault {} opened: signing key {}, suite {}", store.file(), signing.get().keyId(), suite);
            return new CenterVault(crypto, signing.get(), kek.get());
        }
    }

    private static void createParent(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            try {
                Files.createDirectories(parent);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the directory of the center vault " + file, e);
            }
        }
    }

    public Suite suite() {
        return crypto.suite();
    }

    public PublicKeyHandle centerPublicKey() {
        return signingKey.publicKey();
    }

    /** Signs as the center (commands, registry entries, audit records). */
    public Signer signer() {
        return signer;
    }

    /**
     * Generates a fresh VM signing key pair for {@code vmId} at {@code epoch} (destined for
     * {@code hostId}) and returns it with the private half encrypted under the KEK, bound to (vmId, epoch).
     */
    public VaultedVmKey mintVmKey(String vmId, long epoch, String hostId, Instant createdAt) {
        PrivateKeyHandle vmKey = crypto.generateSigningKey();
        SecretBytes pkcs8 = vmKey.exportPkcs8(ACCESS);
        byte[] plaintext = pkcs8.toByteArray(ACCESS);
        try {
            AeadCiphertext ciphertext = kekAead.encrypt(plaintext, KeyContexts.vaultedVmKeyAssociatedData(vmId, epoch));
            return VaultedVmKey.newBuilder()
                    .setVmId(vmId)
                    .setEpoch(epoch)
                    .setHostId(hostId)
                    .setVmPublicKey(PublicKeyRecords.toRecord(vmKey.publicKey()))
                    .setWrappedPrivateKey(ByteBuffer.wrap(ciphertext.toBytes()))
                    .setCreatedAt(createdAt)
                    .build();
        } finally {
            Arrays.fill(plaintext, (byte) 0);
            pkcs8.destroy();
            vmKey.destroy();
        }
    }

    /**
     * The VM private key of {@code vaulted}, wrapped to a destination secure zone's encapsulation key
     * under {@code context}; returns trust {@code WrappedKey} bytes. The plaintext exists only inside
     * this call and is zeroized before it returns.
     */
    public byte[] wrapForHost(VaultedVmKey vaulted, PublicKeyHandle hostEncapsulationKey, Context context) {
        SecretBytes pkcs8 = decrypt(vaulted);
        try {
            return crypto.keyWrapper(hostEncapsulationKey).wrap(pkcs8, context).toBytes();
        } finally {
            pkcs8.destroy();
        }
    }

    /** Decrypts under the KEK and checks that the private key belongs to the recorded public key. */
    private SecretBytes decrypt(VaultedVmKey vaulted) {
        byte[] plaintext;
        try {
            AeadCiphertext ciphertext = AeadCiphertext.parse(ByteBuffers.toArray(vaulted.getWrappedPrivateKey()));
            plaintext = kekAead.decrypt(ciphertext,
                    KeyContexts.vaultedVmKeyAssociatedData(vaulted.getVmId(), vaulted.getEpoch()));
        } catch (MalformedBlobException | DecryptionRefusedException e) {
            throw new IllegalStateException("vaulted key of VM " + vaulted.getVmId() + " epoch " + vaulted.getEpoch()
                    + " does not decrypt under this vault's KEK: " + e.getMessage(), e);
        }
        SecretBytes pkcs8 = SecretBytes.copyOf(plaintext);
        Arrays.fill(plaintext, (byte) 0);
        PrivateKeyHandle check = PrivateKeyHandle.importPkcs8(suite(), KeyPurpose.SIGNING, pkcs8, ACCESS);
        try {
            if (!check.publicKey().equals(PublicKeyRecords.fromRecord(vaulted.getVmPublicKey()))) {
                pkcs8.destroy();
                throw new IllegalStateException("vaulted key of VM " + vaulted.getVmId() + " epoch "
                        + vaulted.getEpoch() + " does not match its public key");
            }
        } finally {
            check.destroy();
        }
        return pkcs8;
    }

    /** Writes the center public key file of the contract ({@link CenterPublicKeyFile}) for operators and hosts. */
    public void writePublicKey(Path file) {
        try {
            CenterPublicKeyFile.write(file, centerPublicKey());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the center public key to " + file, e);
        }
    }

    /** Zeroizes the keys held in memory; the vault is unusable afterwards. */
    @Override
    public void close() {
        signingKey.destroy();
        kek.destroy();
    }
}
