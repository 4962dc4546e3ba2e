package io.vmigrate.securezone;

import io.vmigrate.common.main.MainSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Runs one host's secure zone: {@code SecureZoneMain [config.properties]}. Every setting may also
 * come from the environment, named by upper-casing the key and replacing dots with underscores
 * (e.g. {@code VMIGRATE_SECURE_ZONE_SEALING_PASSWORD}), which wins over the file, so the sealing
 * password need not be written down.
 */
public final class SecureZoneMain {

    private SecureZoneMain() {}

    public static void main(String[] args) throws IOException, InterruptedException {
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
