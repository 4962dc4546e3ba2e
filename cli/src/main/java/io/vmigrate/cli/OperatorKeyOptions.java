package io.vmigrate.cli;

import io.vmigrate.cli.operator.OperatorKey;
import io.vmigrate.trust.SealedKeyStoreException;
import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
    private static final int MAX_PASSWORD_FILE_BYTES = 4096;

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
        if (passwordFile != null) {
            return readPasswordFile(passwordFile);
        }
        String fromEnv = System.getenv(PASSWORD_ENV);
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return fromEnv.toCharArray();
        }
        Path beside = store.resolveSibling(store.getFileName() + ".password");
        if (Files.isRegularFile(beside)) {
            return readPasswordFile(beside);
        }
        Console console = System.console();
        if (console == null) {
            throw new IllegalArgumentException("no password for " + store + ": pass --password-file or set " + PASSWORD_ENV);
        }
        char[] password = console.readPassword("password of operator key %s: ", store);
        if (creating) {
            char[] again = console.readPassword("again: ");
            if (!java.util.Arrays.equals(password, again)) {
                throw new IllegalArgumentException("the passwords differ");
            }
        }
        if (password == null || password.length == 0) {
            throw new IllegalArgumentException("an operator key needs a password");
        }
        return password;
    }

    private static char[] readPasswordFile(Path file) {
        try {
            if (Files.size(file) > MAX_PASSWORD_FILE_BYTES) {
                throw new IllegalArgumentException("password file " + file + " is larger than " + MAX_PASSWORD_FILE_BYTES + " bytes");
            }
            String text = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (text.isEmpty()) {
                throw new IllegalArgumentException("password file " + file + " is empty");
            }
            return text.toCharArray();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read password file " + file + ": " + e.getMessage(), e);
        }
    }
}
