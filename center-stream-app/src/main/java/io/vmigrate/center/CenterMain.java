package io.vmigrate.center;

import io.vmigrate.common.main.MainSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
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
        CenterConfig config = new CenterConfig(load(MainSettings.fileArgument(args), System.getenv()));
        CountDownLatch stopped = new CountDownLatch(1);
        try (CenterApp app = CenterApp.start(config)) {
            MainSettings.closeOnShutdown("center", stopped::countDown);
            stopped.await();
        }
    }

    static Map<String, String> load(Path file, Map<String, String> env) throws IOException {
        Map<String, String> values = MainSettings.load(file, CenterConfig.DEFINITION.names(),
                key -> MainSettings.variableName("VMIGRATE_CENTER_", key), env);
        if (env.containsKey("VMIGRATE_BOOTSTRAP_SERVERS")) {
            values.put(CenterConfig.BOOTSTRAP_SERVERS, env.get("VMIGRATE_BOOTSTRAP_SERVERS"));
        }
        if (env.containsKey("VMIGRATE_CENTER_VAULT_PASSWORD")) {
            values.put(CenterConfig.VAULT_PASSWORD, env.get("VMIGRATE_CENTER_VAULT_PASSWORD"));
        }
        return values;
    }
}
