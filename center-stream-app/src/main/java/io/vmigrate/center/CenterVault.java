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
import java.util.List;
import java.util.Optional;
import java.time.Duration;
import io.vmigrate.schema.registry.CenterKeyRotation;
import io.vmigrate.schema.registry.CenterKeyRotations;
import io.vmigrate.schema.registry.TrustRegistryEntry;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.trust.Verifier;
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

    /** Successors of the signing key, {@code .1}, {@code .2}, ...: the key and the statement that announced it. */
    static final String ROTATED_SIGNING_ALIAS_PREFIX = SIGNING_ALIAS + ".";
    static final String ROTATION_STATEMENT_ALIAS_PREFIX = "center-key-rotation.";
    /** The number of the last activated rotation (absent: none); a sealed rotation past it is still pending. */
    static final String ACTIVE_ROTATION_ALIAS = "center-key-rotation.active";
    /** The id of the admin request that rotation n answered, so a request is never performed twice. */
    static final String ROTATION_REQUEST_ALIAS_PREFIX = "center-key-rotation.request.";
    private static final SingleObjectCodec<CenterKeyRotation> STATEMENTS = SingleObjectCodec.of(CenterKeyRotation.class);

    private final CryptoSuite crypto;
    private final CenterKeyRing ring;
    private final SecretBytes kek;
    private final Aead kekAead;
    /**
     * Kept open (it holds a copy of the password) so a rotation can seal the new key next to the old; replaced by
     * {@link #reload()} when another center instance sharing the vault file rotated.
     */
    private SealedKeyStore store;

    private CenterVault(CryptoSuite crypto, CenterKeyRing ring, SecretBytes kek, SealedKeyStore store) {
        this.crypto = crypto;
        this.ring = ring;
        this.kek = kek;
        this.kekAead = crypto.aead(kek);
        this.store = store;
    }

    /**
     * Opens the vault at {@code file}, generating the center signing key and KEK on first start.
     * Refuses a vault made for another suite, or one holding only one of the two keys.
     */
    public static CenterVault openOrCreate(Path file, char[] password, Suite suite) throws SealedKeyStoreException {
        Objects.requireNonNull(suite, "suite");
        CryptoSuite crypto = CryptoSuites.get(suite);
        createParent(file);
        SealedKeyStore store = SealedKeyStore.openOrCreate(file, password);
        try {
            Optional<PrivateKeyHandle> signing = store.get(SIGNING_ALIAS);
            Optional<SecretBytes> kek = store.getSecret(KEK_ALIAS);
            if (signing.isEmpty() && kek.isEmpty()) {
                PrivateKeyHandle newSigning = crypto.generateSigningKey();
                SecretBytes newKek = crypto.generateAeadKey();
                store.putSecret(KEK_ALIAS, newKek);
                store.put(SIGNING_ALIAS, newSigning);
                LOG.info("center vault {} created: signing key {}, suite {}", store.file(), newSigning.keyId(), suite);
                return new CenterVault(crypto, new CenterKeyRing(crypto, newSigning), newKek, store);
            }
            if (signing.isEmpty() || kek.isEmpty()) {
                throw new IllegalStateException("center vault " + file + " holds only one of its two keys; refusing to "
                        + "generate the other (restore the vault from backup)");
            }
            if (signing.get().suite() != suite || signing.get().purpose() != KeyPurpose.SIGNING) {
                throw new IllegalStateException("center vault " + file + " holds a " + signing.get().suite()
                        + " key but the center is configured for " + suite);
            }
            CenterKeyRing ring = new CenterKeyRing(crypto, signing.get());
            loadRotations(store, ring);
            LOG.info("center vault {} opened: signing key {} ({} rotation(s) since {}), suite {}", store.file(),
                    ring.newest().keyId(), ring.rotations(), ring.first().keyId(), suite);
            return new CenterVault(crypto, ring, kek.get(), store);
        } catch (SealedKeyStoreException | RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /** Loads every activated rotation (1 .. the active marker); each must have its key and its statement. */
    private static void loadRotations(SealedKeyStore store, CenterKeyRing ring) throws SealedKeyStoreException {
        long active = activeRotation(store);
        for (long n = 1; n <= active; n++) {
            Optional<PrivateKeyHandle> key = store.get(ROTATED_SIGNING_ALIAS_PREFIX + n);
            Optional<SecretBytes> statement = store.getSecret(ROTATION_STATEMENT_ALIAS_PREFIX + n);
            if (key.isEmpty() || statement.isEmpty()) {
                throw new IllegalStateException("center vault " + store.file() + " lacks the key or statement of its "
                        + "activated rotation " + n + " (restore the vault from backup)");
            }
            byte[] bytes = statement.get().toByteArray(ACCESS);
            statement.get().destroy();
            ring.add(key.get(), STATEMENTS.decode(bytes));
        }
    }

    private static long activeRotation(SealedKeyStore store) throws SealedKeyStoreException {
        Optional<SecretBytes> marker = store.getSecret(ACTIVE_ROTATION_ALIAS);
        if (marker.isEmpty()) {
            return 0;
        }
        byte[] bytes = marker.get().toByteArray(ACCESS);
        marker.get().destroy();
        return Long.parseLong(new String(bytes, java.nio.charset.StandardCharsets.US_ASCII));
    }

    /**
     * Starts a rotation: generates the next signing key, has the newest key sign the statement that
     * announces it (valid from {@code now}, the old key valid until {@code now + overlap}), the new key
     * prove possession, and seals both in the vault. The caller announces the statement, then
     * {@link #activate}s it. A rotation sealed but not activated is returned again instead of a new one.
     */
    public synchronized CenterKeyRotation rotate(Instant now, Duration overlap) throws SealedKeyStoreException {
        long sequence = ring.rotations() + 1;
        Optional<SecretBytes> pending = store.getSecret(ROTATION_STATEMENT_ALIAS_PREFIX + sequence);
        if (pending.isPresent() && store.get(ROTATED_SIGNING_ALIAS_PREFIX + sequence).isPresent()) {
            // Sealed but never activated (its announcement failed): announce the same statement again, since
            // some zones may have accepted it already, and they accept nothing else as rotation number n.
            byte[] bytes = pending.get().toByteArray(ACCESS);
            pending.get().destroy();
            LOG.info("center vault {}: rotation {} was sealed but not activated; announcing it again", store.file(), sequence);
            return STATEMENTS.decode(bytes);
        }
        PrivateKeyHandle old = ring.newest();
        PrivateKeyHandle next = crypto.generateSigningKey();
        CenterKeyRotation statement = CenterKeyRotations.sign(sequence, crypto.signer(old), crypto.signer(next),
                next.publicKey(), now, now.plus(overlap));
        // Sealed but pending until activate() moves the active marker: a restart in between keeps signing with
        // the old key, and the next rotate() announces this same statement again.
        store.putSecret(ROTATION_STATEMENT_ALIAS_PREFIX + sequence, SecretBytes.copyOf(STATEMENTS.encode(statement)));
        store.put(ROTATED_SIGNING_ALIAS_PREFIX + sequence, next);
        LOG.info("center vault {}: rotation {} sealed: key {} succeeds {}, which stays valid until {}", store.file(),
                sequence, next.keyId(), old.keyId(), statement.getOldKeyValidUntil());
        return statement;
    }

    /**
     * Rereads the vault file and takes up every rotation another center instance activated in it since this one
     * opened it, so every instance sharing the vault signs with the newest key. Returns how many it took up.
     */
    public synchronized int reload() throws SealedKeyStoreException {
        SealedKeyStore fresh = store.reopen();
        long before = ring.rotations();
        try {
            long active = activeRotation(fresh);
            for (long n = before + 1; n <= active; n++) {
                Optional<PrivateKeyHandle> key = fresh.get(ROTATED_SIGNING_ALIAS_PREFIX + n);
                Optional<SecretBytes> statement = fresh.getSecret(ROTATION_STATEMENT_ALIAS_PREFIX + n);
                if (key.isEmpty() || statement.isEmpty()) {
                    throw new IllegalStateException("center vault " + fresh.file() + " lacks the key or statement of its "
                            + "activated rotation " + n);
                }
                byte[] bytes = statement.get().toByteArray(ACCESS);
                statement.get().destroy();
                ring.add(key.get(), STATEMENTS.decode(bytes));
            }
        } catch (SealedKeyStoreException | RuntimeException e) {
            fresh.close();
            throw e;
        }
        SealedKeyStore stale = store;
        store = fresh;
        stale.close();
        int taken = (int) (ring.rotations() - before);
        if (taken > 0) {
            LOG.info("center vault {} reloaded: {} rotation(s) made by another instance; now signing with key {}",
                    store.file(), taken, ring.newest().keyId());
        }
        return taken;
    }

    /** The rotation that answered admin request {@code requestId}, if one did (in this vault as loaded). */
    public synchronized Optional<CenterKeyRotation> rotationRequestedBy(String requestId) throws SealedKeyStoreException {
        List<CenterKeyRotation> done = rotations();
        for (CenterKeyRotation rotation : done) {
            Optional<SecretBytes> recorded = store.getSecret(ROTATION_REQUEST_ALIAS_PREFIX + rotation.getSequence());
            if (recorded.isPresent()) {
                byte[] bytes = recorded.get().toByteArray(ACCESS);
                recorded.get().destroy();
                if (requestId.equals(new String(bytes, java.nio.charset.StandardCharsets.UTF_8))) {
                    return Optional.of(rotation);
                }
            }
        }
        return Optional.empty();
    }

    /** Records that {@code statement}'s rotation answered admin request {@code requestId}; before {@link #activate}. */
    public synchronized void recordRequest(CenterKeyRotation statement, String requestId) throws SealedKeyStoreException {
        store.putSecret(ROTATION_REQUEST_ALIAS_PREFIX + statement.getSequence(),
                SecretBytes.copyOf(requestId.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** Makes the key a statement announced the one that signs; call once the announcement went out. */
    public synchronized void activate(CenterKeyRotation statement) throws SealedKeyStoreException {
        PrivateKeyHandle next = store.get(ROTATED_SIGNING_ALIAS_PREFIX + statement.getSequence())
                .orElseThrow(() -> new IllegalStateException("rotation " + statement.getSequence() + " is not sealed"));
        ring.add(next, statement);
        store.putSecret(ACTIVE_ROTATION_ALIAS, SecretBytes.copyOf(
                Long.toString(statement.getSequence()).getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        LOG.info("center vault {}: now signing with key {}", store.file(), next.keyId());
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

    /** The first center key: the one secure zones pin at provisioning and forensics trusts; rotations chain from it. */
    public PublicKeyHandle centerPublicKey() {
        return ring.first();
    }

    /** The key the center signs with now (the newest of the ring). */
    public PublicKeyHandle signingPublicKey() {
        return ring.newest().publicKey();
    }

    /** Signs as the center (commands, registry entries, audit records), always with the newest key. */
    public Signer signer() {
        return ring.signer();
    }

    /** Signs with one fixed key of the ring: the old key signs the announcement of its successor. */
    Signer signerOf(String keyId) {
        return ring.links().stream().filter(link -> link.key().keyId().toString().equals(keyId))
                .findFirst().map(CenterKeyRing.Link::signer)
                .orElseThrow(() -> new IllegalArgumentException("no center key " + keyId + " in the vault"));
    }

    /** A verifier of any key the center ever signed with. */
    public Optional<Verifier> verifierOf(String keyId) {
        return ring.verifierOf(keyId);
    }

    /** Every center key's registry entry, chained from the first (see {@link CenterKeyRing#registryEntries}). */
    public List<TrustRegistryEntry> centerKeyEntries(Instant at) {
        return ring.registryEntries(at);
    }

    /** The statements of every rotation so far, oldest first. */
    public List<CenterKeyRotation> rotations() {
        return ring.links().stream().flatMap(link -> link.introducedBy().stream()).toList();
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
        ring.links().forEach(link -> link.key().destroy());
        kek.destroy();
        store.close();
    }
}
