package io.vmigrate.securezone;

import io.vmigrate.common.main.MainSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * Runs one host's secure zone: {@code SecureZoneMain [config.properties]}; or, with
 * {@code --installed-keys [config.properties]}, lists the VM keys its vTCM store holds (VM, epoch,
 * fingerprint, delivering migration) without unsealing any, for an operator or responder. Every setting may also
 * come from the environment, named by upper-casing the key and replacing dots with underscores
 * (e.g. {@code VMIGRATE_SECURE_ZONE_SEALING_PASSWORD}), which wins over the file, so the sealing
 * password need not be written down.
 */
public final class SecureZoneMain {

    static final String INSTALLED_KEYS = "--installed-keys";

    private SecureZoneMain() {}

    /** One line per installed VM key: metadata only, no VM key is unsealed (the sealed state needs the password). */
    static void listInstalledKeys(Path stateDir, char[] sealingPassword, PrintWriter out) throws IOException {
        out.printf("%-24s %6s  %-32s  %s%n", "VM", "EPOCH", "KEY FINGERPRINT", "MIGRATION");
        for (InstalledVmKey key : VtcmStore.listInstalled(stateDir, sealingPassword)) {
            out.printf("%-24s %6d  %-32s  %s%n", key.vmId(), key.epoch(), key.keyFingerprint(), key.migrationId());
        }
        out.flush();
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length > 0 && args[0].equals(INSTALLED_KEYS)) {
            Path file = args.length > 1 ? Path.of(args[1]) : null;
            SecureZoneConfig config = new SecureZoneConfig(settings(file, System.getenv()));
            listInstalledKeys(config.stateDir(), config.sealingPassword().value().toCharArray(),
                    new PrintWriter(System.out, true, StandardCharsets.UTF_8));
            return;
        }
        Path file = MainSettings.fileArgument(args);
        SecureZoneServer server = new SecureZoneServer(new SecureZoneConfig(settings(file, System.getenv()))).start();
        MainSettings.closeOnShutdown("secure-zone", server::close);
        server.awaitClosed();
    }

    /** The properties file's settings (if any), overridden by environment variables. */
    static Map<String, String> settings(Path file, Map<String, String> environment) throws IOException {
        return MainSettings.load(file, SecureZoneConfig.DEFINITION.names(), SecureZoneMain::environmentName, environment);
    }

    static String environmentName(String setting) {
        return MainSettings.variableName("", setting);
    }
}
