package io.vmigrate.trust;

import io.vmigrate.common.io.AtomicFiles;
import io.vmigrate.trust.internal.BouncyCastle;
import io.vmigrate.trust.internal.KeyAlgorithm;
import io.vmigrate.trust.internal.KeyStoreCertificates;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collections;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Private and secret keys at rest in a password-protected BCFKS file (keys encrypted, file MACed,
 * both derived from the password). BCFKS wants a certificate per private key; ours carry the
 * suite, purpose and key id in their subject and are never trusted (see KeyStoreCertificates: SM2
 * and Ed25519 keys self-sign, X25519 certificates are signed by a throwaway Ed25519 key).
 * Every change rewrites the file crash-safely: temp file in the same directory, fsync, atomic rename.
 * Thread-safe; not safe for several processes writing the same file.
 */
public final class SealedKeyStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SealedKeyStore.class);
    private static final String TYPE = "BCFKS";
    private static final String SUITE_PREFIX = "suite-";
    private static final String PURPOSE_PREFIX = "purpose-";
    // Secret entries need an algorithm name BCFKS knows and that accepts any key length.
    private static final String SECRET_ALGORITHM = "HmacSHA256";

    private final Path file;
    private final char[] password;
    private final KeyStore store;
    private boolean closed;

    private SealedKeyStore(Path file, char[] password, KeyStore store) {
        this.file = file;
        this.password = password;
        this.store = store;
    }

    /**
     * Opens the key store at {@code file}, or creates an empty one there.
     *
     * @throws WrongPasswordException if the file exists but the password does not open it
     */
    public static SealedKeyStore openOrCreate(Path file, char[] password) throws SealedKeyStoreException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(password, "password");
        Path absolute = file.toAbsolutePath();
        char[] passwordCopy = password.clone();
        KeyStore store = newKeyStore();
        byte[] contents;
        try {
            contents = Files.readAllBytes(absolute);
        } catch (NoSuchFileException e) {
            contents = null;
        } catch (IOException e) {
            throw new SealedKeyStoreException("cannot read key store " + absolute, e);
        }
        try {
            store.load(contents == null ? null : new ByteArrayInputStream(contents), passwordCopy);
        } catch (IOException e) {
            // BCFKS reports a failed MAC check (wrong password or altered file) as an IOException.
            throw new WrongPasswordException("cannot open key store " + absolute + ": wrong password, or the file is damaged", e);
        } catch (GeneralSecurityException e) {
            throw new SealedKeyStoreException("cannot load key store " + absolute, e);
        }
        SealedKeyStore sealed = new SealedKeyStore(absolute, passwordCopy, store);
        if (contents == null) {
            sealed.save();
            LOG.info("created key store {}", absolute);
        }
        return sealed;
    }

    public synchronized void put(String alias, PrivateKeyHandle key) throws SealedKeyStoreException {
        requireAlias(alias);
        Objects.requireNonNull(key, "key");
        try {
            String subject = "CN=" + key.keyId() + ",OU=" + SUITE_PREFIX + key.suite() + ",OU=" + PURPOSE_PREFIX + key.purpose();
            X509Certificate certificate = KeyStoreCertificates.certify(KeyAlgorithm.of(key.suite(), key.purpose()),
                    key.jcaKey(), key.publicKey().jcaKey(), subject);
            store.setKeyEntry(alias, key.jcaKey(), password, new Certificate[] {certificate});
        } catch (GeneralSecurityException e) {
            throw new SealedKeyStoreException("cannot store private key under alias '" + alias + "'", e);
        }
        save();
        LOG.debug("stored {} under alias '{}'", key, alias);
    }

    /** The private key under {@code alias}, with its suite and purpose restored. */
    public synchronized Optional<PrivateKeyHandle> get(String alias) throws SealedKeyStoreException {
        requireAlias(alias);
        try {
            if (!store.isKeyEntry(alias)) {
                return Optional.empty();
            }
            Key key = store.getKey(alias, password);
            if (!(key instanceof PrivateKey)) {
                throw new SealedKeyStoreException("alias '" + alias + "' holds a secret key, not a private key", null);
            }
            X509Certificate certificate = (X509Certificate) store.getCertificate(alias);
            Metadata metadata = Metadata.of(certificate);
            SecretBytes pkcs8 = SecretBytes.copyOf(key.getEncoded());
            try {
                PrivateKeyHandle handle = PrivateKeyHandle.importPkcs8(metadata.suite, metadata.purpose, pkcs8,
                        SecretKeyAccess.insecureSecretAccess());
                if (!handle.keyId().toString().equals(metadata.keyId)) {
                    throw new SealedKeyStoreException("alias '" + alias + "': key does not match its recorded key id", null);
                }
                return Optional.of(handle);
            } finally {
                pkcs8.destroy();
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new SealedKeyStoreException("cannot read private key under alias '" + alias + "'", e);
        }
    }

    public synchronized void putSecret(String alias, SecretBytes secret) throws SealedKeyStoreException {
        requireAlias(alias);
        Objects.requireNonNull(secret, "secret");
        try {
            store.setKeyEntry(alias, new SecretKeySpec(secret.internalView(), SECRET_ALGORITHM), password, null);
        } catch (GeneralSecurityException e) {
            throw new SealedKeyStoreException("cannot store secret key under alias '" + alias + "'", e);
        }
        save();
        LOG.debug("stored secret of {} bytes under alias '{}'", secret.size(), alias);
    }

    public synchronized Optional<SecretBytes> getSecret(String alias) throws SealedKeyStoreException {
        requireAlias(alias);
        try {
            if (!store.isKeyEntry(alias)) {
                return Optional.empty();
            }
            Key key = store.getKey(alias, password);
            if (!(key instanceof SecretKey)) {
                throw new SealedKeyStoreException("alias '" + alias + "' holds a private key, not a secret key", null);
            }
            byte[] encoded = key.getEncoded();
            try {
                return Optional.of(SecretBytes.copyOf(encoded));
            } finally {
                Arrays.fill(encoded, (byte) 0);
            }
        } catch (GeneralSecurityException e) {
            throw new SealedKeyStoreException("cannot read secret key under alias '" + alias + "'", e);
        }
    }

    public synchronized Set<String> aliases() throws SealedKeyStoreException {
        if (closed) {
            throw new IllegalStateException("key store " + file + " is closed");
        }
        try {
            return Collections.unmodifiableSet(new TreeSet<>(Collections.list(store.aliases())));
        } catch (GeneralSecurityException e) {
            throw new SealedKeyStoreException("cannot list key store " + file, e);
        }
    }

    /** Removes the entry under {@code alias}, if any. */
    public synchronized void delete(String alias) throws SealedKeyStoreException {
        requireAlias(alias);
        try {
            if (!store.containsAlias(alias)) {
                return;
            }
            store.deleteEntry(alias);
        } catch (GeneralSecurityException e) {
            throw new SealedKeyStoreException("cannot delete alias '" + alias + "'", e);
        }
        save();
    }

    public Path file() {
        return file;
    }

    /**
     * The store as its file holds it now, opened with the same password: another process sharing the file
     * may have written it since this one was loaded. This store stays open; the caller closes the one it drops.
     */
    public synchronized SealedKeyStore reopen() throws SealedKeyStoreException {
        if (closed) {
            throw new IllegalStateException("key store " + file + " is closed");
        }
        return openOrCreate(file, password);
    }

    /** Wipes the in-memory password copy; the store is unusable afterwards. */
    @Override
    public synchronized void close() {
        closed = true;
        Arrays.fill(password, '\0');
    }

    private void save() throws SealedKeyStoreException {
        byte[] contents;
        try {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            store.store(buffer, password);
            contents = buffer.toByteArray();
        } catch (IOException | GeneralSecurityException e) {
            throw new SealedKeyStoreException("cannot serialise key store " + file, e);
        }
        try {
            AtomicFiles.write(file, contents, AtomicFiles.Permissions.OWNER_ONLY);
        } catch (IOException e) {
            throw new SealedKeyStoreException("cannot write key store " + file, e);
        }
    }

    private static KeyStore newKeyStore() throws SealedKeyStoreException {
        try {
            return KeyStore.getInstance(TYPE, BouncyCastle.provider());
        } catch (GeneralSecurityException e) {
            throw new SealedKeyStoreException("key store type " + TYPE + " unavailable", e);
        }
    }

    private void requireAlias(String alias) {
        if (closed) {
            throw new IllegalStateException("key store " + file + " is closed");
        }
        if (alias == null || alias.isBlank()) {
            throw new IllegalArgumentException("alias must be a non-blank string");
        }
    }

    /** Suite, purpose and key id as recorded in an entry's certificate subject. */
    private static final class Metadata {
        private Suite suite;
        private KeyPurpose purpose;
        private String keyId;

        static Metadata of(X509Certificate certificate) throws SealedKeyStoreException {
            Metadata metadata = new Metadata();
            try {
                for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
                    String value = String.valueOf(rdn.getValue());
                    if ("CN".equalsIgnoreCase(rdn.getType())) {
                        metadata.keyId = value;
                    } else if (value.startsWith(SUITE_PREFIX)) {
                        metadata.suite = Suite.valueOf(value.substring(SUITE_PREFIX.length()));
                    } else if (value.startsWith(PURPOSE_PREFIX)) {
                        metadata.purpose = KeyPurpose.valueOf(value.substring(PURPOSE_PREFIX.length()));
                    }
                }
            } catch (InvalidNameException | IllegalArgumentException e) {
                throw new SealedKeyStoreException("key store certificate has unreadable metadata", e);
            }
            if (metadata.suite == null || metadata.purpose == null || metadata.keyId == null) {
                throw new SealedKeyStoreException("key store certificate lacks suite, purpose or key id", null);
            }
            return metadata;
        }
    }
}
