package io.vmigrate.embedded;

import io.vmigrate.common.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Properties;

/**
 * Passwords that seal the center vault and each host's keys in the embedded system. An environment
 * variable wins ({@code VMIGRATE_CENTER_VAULT_PASSWORD}, {@code VMIGRATE_SEALING_PASSWORD_<HOST>},
 * {@code VMIGRATE_AGENT_PASSWORD_<HOST>}, {@code VMIGRATE_OPERATOR_PASSWORD_<NAME>}); otherwise a random password is generated once and kept in
 * {@code secrets.properties} (mode 0600) under the data directory. That file is a convenience of the
 * single-machine embedded mode: a real deployment gives each process its own password.
 */
public final class SystemSecrets {

    public static final String FILE_NAME = "secrets.properties";

    private final Path file;
    private final Properties values = new Properties();
    private final SecureRandom random = new SecureRandom();

    private SystemSecrets(Path file) {
        this.file = file;
    }

    public static SystemSecrets loadOrCreate(Path dataDir) {
        SystemSecrets secrets = new SystemSecrets(dataDir.resolve(FILE_NAME));
        if (Files.exists(secrets.file)) {
            try (InputStream in = Files.newInputStream(secrets.file)) {
                secrets.values.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + secrets.file, e);
            }
        }
        return secrets;
    }

    public char[] centerVaultPassword() {
        return password("center.vault", "VMIGRATE_CENTER_VAULT_PASSWORD");
    }

    public char[] sealingPassword(String hostId) {
        return password("sealing." + hostId, "VMIGRATE_SEALING_PASSWORD_" + envName(hostId));
    }

    public char[] agentPassword(String hostId) {
        return password("agent." + hostId, "VMIGRATE_AGENT_PASSWORD_" + envName(hostId));
    }

    public char[] operatorPassword(String name) {
        return password("operator." + name, "VMIGRATE_OPERATOR_PASSWORD_" + envName(name));
    }

    private synchronized char[] password(String name, String environmentVariable) {
        String fromEnv = System.getenv(environmentVariable);
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return fromEnv.toCharArray();
        }
        String stored = values.getProperty(name);
        if (stored == null) {
            byte[] bytes = new byte[24];
            random.nextBytes(bytes);
            stored = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
            values.setProperty(name, stored);
            save();
        }
        return stored.toCharArray();
    }

    private void save() {
        try {
            AtomicFiles.write(file, AtomicFiles.Permissions.OWNER_ONLY,
                    out -> values.store(out, "vmigrate embedded-mode passwords; keep private"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static String envName(String hostId) {
        return hostId.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
    }
}
