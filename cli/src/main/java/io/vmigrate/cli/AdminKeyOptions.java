package io.vmigrate.cli;

import io.vmigrate.cli.operator.SealedSigningKey;
import io.vmigrate.trust.SealedKeyStoreException;
import java.nio.file.Path;
import java.util.Arrays;
import picocli.CommandLine.Option;

/**
 * Which admin key signs operator grants, and its password: {@code --admin-key} (default
 * {@code <data-dir>/admin/admin.bcfks}); the password from {@code --admin-password-file}, else
 * {@value #PASSWORD_ENV}, else a prompt.
 */
final class AdminKeyOptions {

    static final String ALIAS = "admin-signing";
    static final String PASSWORD_ENV = "VMIGRATE_ADMIN_PASSWORD";

    @Option(names = "--admin-key", description = "Sealed key store of the admin key (default: <data-dir>/admin/admin.bcfks).")
    Path keyStore;

    @Option(names = "--admin-password-file", description = "File holding the admin key store's password (default: "
            + PASSWORD_ENV + ", else a prompt).")
    Path passwordFile;

    Path store(Path dataDir) {
        return keyStore != null ? keyStore : dataDir.resolve("admin").resolve("admin.bcfks");
    }

    char[] password(Path dataDir, boolean creating) {
        return KeyPasswords.read(store(dataDir), passwordFile, PASSWORD_ENV, creating);
    }

    SealedSigningKey open(Path dataDir) {
        char[] password = password(dataDir, false);
        try {
            return SealedSigningKey.open(store(dataDir), password, ALIAS, "vmigrate admin init");
        } catch (SealedKeyStoreException e) {
            throw new IllegalArgumentException("cannot open the admin key " + store(dataDir) + ": " + e.getMessage(), e);
        } finally {
            Arrays.fill(password, '\0');
        }
    }
}
