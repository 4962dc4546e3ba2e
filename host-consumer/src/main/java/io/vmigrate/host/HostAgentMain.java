package io.vmigrate.host;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one host agent. Settings come from an optional properties file (first argument), overridden by
 * environment variables named after each key ({@code vmigrate.host.id} → {@code VMIGRATE_HOST_ID},
 * {@code bootstrap.servers} → {@code VMIGRATE_BOOTSTRAP_SERVERS}). Only wiring here.
 */
public final class HostAgentMain {

    private static final Logger LOG = LoggerFactory.getLogger(HostAgentMain.class);

    private HostAgentMain() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        HostAgentConfig config = new HostAgentConfig(settings(args, System.getenv()));
        HostAgent agent = HostAgent.create(config);
        Runtime.getRuntime().addShutdownHook(new Thread(agent::close, "host-agent-shutdown"));
        agent.start();
        while (!agent.awaitStop(Duration.ofMinutes(1))) {
            LOG.debug("host agent {} running", config.hostId());
        }
        if (agent.failure().isPresent()) {
            LOG.error("host agent {} failed", config.hostId(), agent.failure().get());
            System.exit(1);
        }
    }

    static Map<String, Object> settings(String[] args, Map<String, String> environment) throws IOException {
        Map<String, Object> settings = new HashMap<>();
        if (args.length > 0) {
            Properties file = new Properties();
            try (Reader reader = Files.newBufferedReader(Path.of(args[0]), StandardCharsets.UTF_8)) {
                file.load(reader);
            }
            file.forEach((key, value) -> settings.put(key.toString(), value));
        }
        for (String key : HostAgentConfig.DEFINITION.names()) {
            String value = environment.get(environmentName(key));
            if (value != null) {
                settings.put(key, value);
            }
        }
        return settings;
    }

    static String environmentName(String key) {
        String bare = key.startsWith("vmigrate.") ? key.substring("vmigrate.".length()) : key;
        return "VMIGRATE_" + bare.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
