package io.vmigrate.common.main;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The settings every vmigrate process starts from: an optional properties file, overridden key by
 * key by environment variables (so a password need not be written down). Each process names its
 * variables its own documented way; the loading is the same everywhere.
 */
public final class MainSettings {

    private static final Logger LOG = LoggerFactory.getLogger(MainSettings.class);

    private MainSettings() {}

    /** The properties file (if any), then for every known key the variable {@code variableName.apply(key)}. */
    public static Map<String, String> load(Path file, Iterable<String> keys, UnaryOperator<String> variableName,
            Map<String, String> environment) throws IOException {
        Map<String, String> settings = new HashMap<>();
        if (file != null) {
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                properties.load(reader);
            }
            properties.stringPropertyNames().forEach(name -> settings.put(name, properties.getProperty(name)));
        }
        for (String key : keys) {
            String value = environment.get(variableName.apply(key));
            if (value != null) {
                settings.put(key, value);
            }
        }
        return settings;
    }

    /** The first argument as the settings file, or none. */
    public static Path fileArgument(String[] args) {
        return args.length > 0 ? Path.of(args[0]) : null;
    }

    /** {@code prefix} + the key upper-cased with '.' and '-' as '_': {@code a.b-c} → {@code PREFIX_A_B_C}. */
    public static String variableName(String prefix, String key) {
        return prefix + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** Closes {@code process} when the JVM is asked to stop (SIGTERM, SIGINT). */
    public static void closeOnShutdown(String name, AutoCloseable process) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                process.close();
            } catch (Exception e) {
                LOG.error("{} did not close cleanly", name, e);
            }
        }, name + "-shutdown"));
    }
}
