package io.vmigrate.cli;

import io.vmigrate.cli.operator.OperatorKey;
import io.vmigrate.trust.SealedKeyStoreException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Which operator key signs, and its password: {@code --operator-key} (default
 * {@code <data-dir>/operators/operator.bcfks}, where {@code vmigrate up} puts its user's key); the
 * password from {@code --password-file}, else {@code VMIGRATE_OPERATOR_PASSWORD}, else a
 * {@code <key>.password} file beside the key (the embedded mode's convenience, mode 0600), else a prompt.
 */
final class OperatorKeyOptions {

    static final String PASSWORD_ENV = "VMIGRATE_OPERATOR_PASSWORD";

    @Option(names = "--operator-key", description = "Sealed key store of the operator key that signs "
            + "(default: <data-dir>/operators/operator.bcfks, or VMIGRATE_OPERATOR_KEY).")
    Path keyStore;

    @Option(names = "--password-file", description = "File holding the operator key store's password "
            + "(default: VMIGRATE_OPERATOR_PASSWORD, else <key>.password beside it, else a prompt).")
    Path passwordFile;

    Path keyStore(Path dataDir) {
        if (keyStore != null) {
            return keyStore;
        }
        String fromEnv = System.getenv("VMIGRATE_OPERATOR_KEY");
        return fromEnv != null && !fromEnv.isBlank() ? Path.of(fromEnv)
                : dataDir.resolve("operators").resolve("operator.bcfks");
    }

    OperatorKey open(Path dataDir) {
        Path store = keyStore(dataDir);
        char[] password = password(store, false);
        try {
            return OperatorKey.open(store, password);
        } catch (SealedKeyStoreException e) {
            throw new IllegalArgumentException("cannot open the operator key " + store + ": " + e.getMessage(), e);
        } finally {
            java.util.Arrays.fill(password, '\0');
        }
    }

    char[] password(Path store, boolean creating) {
        return KeyPasswords.read(store, passwordFile, PASSWORD_ENV, true, creating);
    }
}
