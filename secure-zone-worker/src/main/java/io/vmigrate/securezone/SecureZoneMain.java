package io.vmigrate.securezone;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Runs one host's secure zone: {@code SecureZoneMain [config.properties]}. Every setting may also
 * come from the environment, named by upper-casing the key and replacing dots with underscores
 * (e.g. {@code VMIGRATE_SECURE_ZONE_SEALING_PASSWORD}), which wins over the file, so the sealing
 * password need not be written down.
 */
public final class SecureZoneMain {

    private SecureZoneMain() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        Path file = args.length > 0 ? Path.of(args[0]) : null;
        SecureZoneServer server = new SecureZoneServer(new SecureZoneConfig(settings(file, System.getenv()))).start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "secure-zone-shutdown"));
        server.awaitClosed();
    }

    /** The properties file's settings (if any), overridden by environment variables. */
    static Map<String, String> settings(Path file, Map<String, String> environment) throws IOException {
        Map<String, String> settings = new HashMap<>();
        if (file != null) {
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(file)) {
                properties.load(reader);
            }
            properties.stringPropertyNames().forEach(name -> settings.put(name, properties.getProperty(name)));
        }
        for (String name : SecureZoneConfig.DEFINITION.names()) {
            String value = environment.get(environmentName(name));
            if (value != null) {
                settings.put(name, value);
            }
        }
        return settings;
    }

    static String environmentName(String setting) {
        return setting.toUpperCase(Locale.ROOT).replace('.', '_');
    }
}
