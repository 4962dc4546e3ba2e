package io.vmigrate.cli.operator;

import io.vmigrate.schema.operator.OperatorRequestSealer;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.SealedKeyStore;
import io.vmigrate.trust.SealedKeyStoreException;
import io.vmigrate.trust.Suite;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * An operator's signing key in its own password-sealed key store (BCFKS, see {@link SealedKeyStore}):
 * made once by {@code vmigrate operator init}, opened to sign each request. The private key never
 * leaves the store unsealed; only its public half is printed, for the center's operators file.
 */
public final class OperatorKey {

    static final String ALIAS = "operator-signing";
    /** A request is valid this long after it is signed: enough to reach the center, too short to hoard. */
    static final Duration REQUEST_LIFETIME = Duration.ofMinutes(5);

    private final SealedSigningKey key;

    private OperatorKey(SealedSigningKey key) {
        this.key = key;
    }

    /** Creates the store with a new key; refuses to replace an existing one. */
    public static OperatorKey create(Path store, char[] password, Suite suite) throws SealedKeyStoreException {
        return new OperatorKey(SealedSigningKey.create(store, password, suite, ALIAS));
    }

    /** Opens the key of an existing store. */
    public static OperatorKey open(Path store, char[] password) throws SealedKeyStoreException {
        return new OperatorKey(SealedSigningKey.open(store, password, ALIAS, "vmigrate operator init"));
    }

    public PublicKeyHandle publicKey() {
        return key.publicKey();
    }

    public OperatorRequestSealer sealer(Clock clock) {
        return new OperatorRequestSealer(key.signer(), clock, REQUEST_LIFETIME);
    }
}
