package io.vmigrate.securezone;

import io.vmigrate.trust.Aead;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.KeyPurpose;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.SealedKeyStore;
import io.vmigrate.trust.SealedKeyStoreException;
import io.vmigrate.trust.SecretBytes;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The secure zone's own keys, sealed in {@code keys.bcfks} under the sealing password: its signing
 * key, its key-encapsulation key, the AEAD key that seals VM keys in the vTCM store and the one that
 * seals its state file ({@link ZoneStateFile}). Generated
 * on first start; each is written (crash-safely, by {@link SealedKeyStore}) before it is used.
 */
final class ZoneKeys implements AutoCloseable {

    static final String FILE_NAME = "keys.bcfks";
    static final String SIGNING_ALIAS = "zone-signing";
    static final String ENCAPSULATION_ALIAS = "zone-encapsulation";
    static final String VTCM_SEALING_ALIAS = "vtcm-sealing";
    static final String STATE_SEALING_ALIAS = "zone-state-sealing";

    private static final Logger LOG = LoggerFactory.getLogger(ZoneKeys.class);

    private final PrivateKeyHandle signingKey;
    private final PrivateKeyHandle encapsulationKey;
    private final Aead vtcmSealing;
    private final Aead stateSealing;
    private final boolean stateSealingIsNew;

    private ZoneKeys(PrivateKeyHandle signingKey, PrivateKeyHandle encapsulationKey, Aead vtcmSealing, Aead stateSealing,
            boolean stateSealingIsNew) {
        this.signingKey = signingKey;
        this.encapsulationKey = encapsulationKey;
        this.vtcmSealing = vtcmSealing;
        this.stateSealing = stateSealing;
        this.stateSealingIsNew = stateSealingIsNew;
    }

    static ZoneKeys openOrGenerate(Path stateDir, char[] password, CryptoSuite suite) throws SealedKeyStoreException {
        try (SealedKeyStore store = SealedKeyStore.openOrCreate(stateDir.resolve(FILE_NAME), password)) {
            PrivateKeyHandle signing = privateKey(store, SIGNING_ALIAS, suite, KeyPurpose.SIGNING);
            PrivateKeyHandle encapsulation = privateKey(store, ENCAPSULATION_ALIAS, suite, KeyPurpose.KEY_ENCAPSULATION);
            Aead vtcm = aead(store, VTCM_SEALING_ALIAS, suite);
            boolean stateSealingIsNew = store.getSecret(STATE_SEALING_ALIAS).isEmpty();
            Aead state = aead(store, STATE_SEALING_ALIAS, suite);
            return new ZoneKeys(signing, encapsulation, vtcm, state, stateSealingIsNew);
        }
    }

    /** The state-sealing key of an existing zone, for offline reading; empty if the zone has no key store. */
    static Optional<Aead> stateSealingOf(Path stateDir, char[] password, CryptoSuite suite) throws SealedKeyStoreException {
        Path file = stateDir.resolve(FILE_NAME);
        if (!java.nio.file.Files.exists(file)) {
            return Optional.empty();
        }
        try (SealedKeyStore store = SealedKeyStore.openOrCreate(file, password)) {
            Optional<SecretBytes> secret = store.getSecret(STATE_SEALING_ALIAS);
            if (secret.isEmpty()) {
                return Optional.empty();
            }
            Aead aead = suite.aead(secret.get());
            secret.get().destroy();
            return Optional.of(aead);
        }
    }

    /** The AEAD under the secret {@code alias}, generated and stored first if the store has none. */
    private static Aead aead(SealedKeyStore store, String alias, CryptoSuite suite) throws SealedKeyStoreException {
        Optional<SecretBytes> secret = store.getSecret(alias);
        if (secret.isEmpty()) {
            SecretBytes generated = suite.generateAeadKey();
            store.putSecret(alias, generated);
            secret = Optional.of(generated);
            LOG.info("generated the {} key in {}", alias, store.file());
        }
        Aead aead = suite.aead(secret.get());
        secret.get().destroy();
        return aead;
    }

    private static PrivateKeyHandle privateKey(SealedKeyStore store, String alias, CryptoSuite suite, KeyPurpose purpose)
            throws SealedKeyStoreException {
        Optional<PrivateKeyHandle> existing = store.get(alias);
        if (existing.isPresent()) {
            PrivateKeyHandle key = existing.get();
            if (key.suite() != suite.suite() || key.purpose() != purpose) {
                throw new SealedKeyStoreException("alias '" + alias + "' in " + store.file() + " holds a " + key.suite()
                        + " " + key.purpose() + " key, configured " + suite.suite() + " " + purpose, null);
            }
            return key;
        }
        PrivateKeyHandle generated = purpose == KeyPurpose.SIGNING ? suite.generateSigningKey() : suite.generateEncapsulationKey();
        store.put(alias, generated);
        LOG.info("generated secure-zone {} key {} in {}", purpose, generated.keyId(), store.file());
        return generated;
    }

    PrivateKeyHandle signingKey() {
        return signingKey;
    }

    PrivateKeyHandle encapsulationKey() {
        return encapsulationKey;
    }

    Aead vtcmSealing() {
        return vtcmSealing;
    }

    Aead stateSealing() {
        return stateSealing;
    }

    /**
     * True on the start that created the state-sealing key: only then may the zone have no state file yet
     * (or an unsealed version-1 one). Later, a missing state next to these keys means it was deleted.
     */
    boolean stateSealingIsNew() {
        return stateSealingIsNew;
    }

    @Override
    public void close() {
        signingKey.destroy();
        encapsulationKey.destroy();
    }
}
