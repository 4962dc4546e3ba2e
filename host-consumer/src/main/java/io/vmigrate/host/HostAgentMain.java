package io.vmigrate.host;

import io.vmigrate.common.main.MainSettings;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
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
        MainSettings.closeOnShutdown("host-agent", agent::close);
        agent.start();
        while (!agent.awaitStop(Duration.ofMinutes(1))) {
            LOG.debug("host agent {} running", config.hostId());
        }
        if (agent.failure().isPresent()) {
            LOG.error("host agent {} failed", config.hostId(), agent.failure().get());
            System.exit(1);
        }
    }

    static Map<String, String> settings(String[] args, Map<String, String> environment) throws IOException {
        return MainSettings.load(MainSettings.fileArgument(args), HostAgentConfig.DEFINITION.names(),
                HostAgentMain::environmentName, environment);
    }

    static String environmentName(String key) {
        String bare = key.startsWith("vmigrate.") ? key.substring("vmigrate.".length()) : key;
        return MainSettings.variableName("VMIGRATE_", bare);
    }
}
