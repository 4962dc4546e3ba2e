package io.vmigrate.cli.operator;

import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.SealedKeyStore;
import io.vmigrate.trust.SealedKeyStoreException;
import io.vmigrate.trust.Signer;
import io.vmigrate.trust.Suite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One signing key in its own password-sealed key store (BCFKS, see {@link SealedKeyStore}) under a
 * fixed alias: an operator's key, a provisioning CA's, an admin's. Made once, never replaced in
 * place; the private key never leaves the store unsealed.
 */
public final class SealedSigningKey {

    private final PrivateKeyHandle key;

    private SealedSigningKey(PrivateKeyHandle key) {
        this.key = key;
    }

    /** Creates the store with a new key; refuses to replace an existing one. */
    public static SealedSigningKey create(Path store, char[] password, Suite suite, String alias) throws SealedKeyStoreException {
        if (Files.exists(store)) {
            throw new IllegalArgumentException(store + " already exists; a signing key is never replaced in place");
        }
        try (SealedKeyStore sealed = SealedKeyStore.openOrCreate(store, password)) {
            PrivateKeyHandle key = CryptoSuites.get(suite).generateSigningKey();
            sealed.put(alias, key);
            return new SealedSigningKey(key);
        }
    }

    /** Opens the key of an existing store; {@code initCommand} names the command that makes one. */
    public static SealedSigningKey open(Path store, char[] password, String alias, String initCommand)
            throws SealedKeyStoreException {
        if (!Files.exists(store)) {
            throw new IllegalArgumentException("no key at " + store + "; create one with '" + initCommand + "'");
        }
        try (SealedKeyStore sealed = SealedKeyStore.openOrCreate(store, password)) {
            Optional<PrivateKeyHandle> key = sealed.get(alias);
            return new SealedSigningKey(key.orElseThrow(() -> new IllegalArgumentException(store + " holds no " + alias + " key")));
        }
    }

    public io.vmigrate.trust.PublicKeyHandle publicKey() {
        return key.publicKey();
    }

    public Signer signer() {
        return CryptoSuites.get(key.suite()).signer(key);
    }
}
