package io.vmigrate.host.enrollment;

import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.KeyPurpose;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.SealedKeyStore;
import io.vmigrate.trust.SealedKeyStoreException;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The agent key (patent: second key pair), generated on first start and sealed under the agent's state dir. */
public final class AgentKeys {

    public static final String KEYSTORE_FILE = "agent.bcfks";
    static final String ALIAS = "agent-signing-key";

    private static final Logger LOG = LoggerFactory.getLogger(AgentKeys.class);

    private AgentKeys() {}

    public static PrivateKeyHandle loadOrGenerate(Path stateDir, char[] password, CryptoSuite suite)
            throws SealedKeyStoreException {
        try (SealedKeyStore store = SealedKeyStore.openOrCreate(stateDir.resolve(KEYSTORE_FILE), password)) {
            Optional<PrivateKeyHandle> existing = store.get(ALIAS);
            if (existing.isPresent()) {
                PrivateKeyHandle key = existing.get();
                if (key.suite() != suite.suite() || key.purpose() != KeyPurpose.SIGNING) {
                    throw new IllegalStateException("agent key store " + store.file() + " holds a " + key.suite()
                            + " key but the agent is configured for " + suite.suite());
                }
                return key;
            }
            PrivateKeyHandle key = suite.generateSigningKey();
            store.put(ALIAS, key);
            LOG.info("generated agent key {} in {}", key.keyId(), store.file());
            return key;
        }
    }
}
