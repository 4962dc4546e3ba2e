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
 * key, its key-encapsulation key, and the AEAD key that seals VM keys in the vTCM store. Generated
 * on first start; each is written (crash-safely, by {@link SealedKeyStore}) before it is used.
 */
final class ZoneKeys implements AutoCloseable {

    static final String FILE_NAME = "keys.bcfks";
    static final String SIGNING_ALIAS = "zone-signing";
    static final String ENCAPSULATION_ALIAS = "zone-encapsulation";
    static final String VTCM_SEALING_ALIAS = "vtcm-sealing";

    private static final Logger LOG = LoggerFactory.getLogger(ZoneKeys.class);

    private final PrivateKeyHandle signingKey;
    private final PrivateKeyHandle encapsulationKey;
    private final Aead vtcmSealing;

    private ZoneKeys(PrivateKeyHandle signingKey, PrivateKeyHandle encapsulationKey, Aead vtcmSealing) {
        this.signingKey = signingKey;
        this.encapsulationKey = encapsulationKey;
        this.vtcmSealing = vtcmSealing;
    }

    static ZoneKeys openOrGenerate(Path stateDir, char[] password, CryptoSuite suite) throws SealedKeyStoreException {
        try (SealedKeyStore store = SealedKeyStore.openOrCreate(stateDir.resolve(FILE_NAME), password)) {
            PrivateKeyHandle signing = privateKey(store, SIGNING_ALIAS, suite, KeyPurpose.SIGNING);
            PrivateKeyHandle encapsulation = privateKey(store, ENCAPSULATION_ALIAS, suite, KeyPurpose.KEY_ENCAPSULATION);
            Optional<SecretBytes> sealing = store.getSecret(VTCM_SEALING_ALIAS);
            if (sealing.isEmpty()) {
                SecretBytes generated = suite.generateAeadKey();
                store.putSecret(VTCM_SEALING_ALIAS, generated);
                sealing = Optional.of(generated);
                LOG.info("generated the vTCM sealing key in {}", store.file());
            }
            Aead aead = suite.aead(sealing.get());
            sealing.get().destroy();
            return new ZoneKeys(signing, encapsulation, aead);
        }
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

    @Override
    public void close() {
        signingKey.destroy();
        encapsulationKey.destroy();
    }
}
