package io.vmigrate.center;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

/**
 * Wires the center: an optional properties file (first argument), overridden by environment
 * variables {@code VMIGRATE_CENTER_<KEY>} (key upper-cased, '.' and '-' as '_', e.g.
 * {@code VMIGRATE_CENTER_VMIGRATE_CENTER_VAULT_PASSWORD}) and the shorthands
 * {@code VMIGRATE_BOOTSTRAP_SERVERS} and {@code VMIGRATE_CENTER_VAULT_PASSWORD}; runs until terminated.
 */
public final class CenterMain {

    private CenterMain() {}

    public static void main(String[] args) throws Exception {
        CenterConfig config = new CenterConfig(load(args.length > 0 ? Path.of(args[0]) : null, System.getenv()));
        CountDownLatch stopped = new CountDownLatch(1);
        try (CenterApp app = CenterApp.start(config)) {
            Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown, "center-shutdown"));
            stopped.await();
        }
    }

    static Map<String, Object> load(Path file, Map<String, String> env) throws IOException {
        Map<String, Object> values = new HashMap<>();
        if (file != null) {
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                properties.load(reader);
            }
            properties.forEach((key, value) -> values.put(key.toString(), value));
        }
        for (String key : CenterConfig.DEFINITION.names()) {
            String variable = "VMIGRATE_CENTER_" + key.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_');
            if (env.containsKey(variable)) {
                values.put(key, env.get(variable));
            }
        }
        if (env.containsKey("VMIGRATE_BOOTSTRAP_SERVERS")) {
            values.put(CenterConfig.BOOTSTRAP_SERVERS, env.get("VMIGRATE_BOOTSTRAP_SERVERS"));
        }
        if (env.containsKey("VMIGRATE_CENTER_VAULT_PASSWORD")) {
            values.put(CenterConfig.VAULT_PASSWORD, env.get("VMIGRATE_CENTER_VAULT_PASSWORD"));
        }
        return values;
    }
}
