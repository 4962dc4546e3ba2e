package io.vmigrate.trust;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/** Obtains the {@link CryptoSuite} of a {@link Suite}. */
public final class CryptoSuites {
    private static final Map<Suite, CryptoSuite> SUITES = new EnumMap<>(Suite.class);

    static {
        for (Suite suite : Suite.values()) {
            SUITES.put(suite, new StandardCryptoSuite(suite));
        }
    }

    private CryptoSuites() {
    }

    public static CryptoSuite get(Suite suite) {
        return SUITES.get(Objects.requireNonNull(suite, "suite"));
    }
}
