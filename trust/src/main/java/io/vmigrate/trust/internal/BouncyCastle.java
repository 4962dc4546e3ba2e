package io.vmigrate.trust.internal;

import java.security.Provider;
import java.security.Security;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * The BouncyCastle provider, registered once and appended (never inserted first: that would route
 * the JDK's AES-GCM to slower pure-Java code). Callers name it explicitly wherever BC is meant.
 */
public final class BouncyCastle {
    private static final Provider PROVIDER = register();

    private BouncyCastle() {
    }

    public static Provider provider() {
        return PROVIDER;
    }

    private static synchronized Provider register() {
        Provider existing = Security.getProvider(BouncyCastleProvider.PROVIDER_NAME);
        if (existing != null) {
            return existing;
        }
        Provider provider = new BouncyCastleProvider();
        Security.addProvider(provider);
        return provider;
    }
}
