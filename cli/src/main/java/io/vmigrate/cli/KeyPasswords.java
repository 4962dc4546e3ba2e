package io.vmigrate.cli;

import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The password of a sealed signing-key store (operator, provisioning CA, admin): from a password file, else an
 * environment variable, else (where allowed) a {@code <store>.password} file beside the store, else a prompt.
 * Never from the command line, where other users could read it.
 */
final class KeyPasswords {

    private static final int MAX_PASSWORD_FILE_BYTES = 4096;

    private KeyPasswords() {}

    static char[] read(Path store, Path passwordFile, String environmentVariable, boolean creating) {
        return read(store, passwordFile, environmentVariable, false, creating);
    }

    /** {@code besideStore}: the embedded mode's convenience, a 0600 {@code <store>.password} file next to the store. */
    static char[] read(Path store, Path passwordFile, String environmentVariable, boolean besideStore, boolean creating) {
        if (passwordFile != null) {
            return readFile(passwordFile);
        }
        String fromEnv = System.getenv(environmentVariable);
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return fromEnv.toCharArray();
        }
        Path beside = store.resolveSibling(store.getFileName() + ".password");
        if (besideStore && Files.isRegularFile(beside)) {
            return readFile(beside);
        }
        Console console = System.console();
        if (console == null) {
            throw new IllegalArgumentException("no password for " + store + ": pass --password-file or set " + environmentVariable);
        }
        char[] password = console.readPassword("password of key store %s: ", store);
        if (creating && !Arrays.equals(password, console.readPassword("again: "))) {
            throw new IllegalArgumentException("the passwords differ");
        }
        if (password == null || password.length == 0) {
            throw new IllegalArgumentException("a key store needs a password");
        }
        return password;
    }

    private static char[] readFile(Path file) {
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
