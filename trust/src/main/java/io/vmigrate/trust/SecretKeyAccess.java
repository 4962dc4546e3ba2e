package io.vmigrate.trust;

/**
 * Token that callers must pass to read raw secret bytes, so that every such read is visible in the
 * code (Tink's pattern).
 */
public final class SecretKeyAccess {
    private static final SecretKeyAccess INSTANCE = new SecretKeyAccess();

    private SecretKeyAccess() {
    }

    public static SecretKeyAccess insecureSecretAccess() {
        return INSTANCE;
    }
}
