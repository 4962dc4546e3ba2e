package io.vmigrate.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostAgentMainTest {

    @TempDir
    Path dir;

    @Test
    void environmentOverridesTheFile() throws Exception {
        Path file = dir.resolve("agent.properties");
        Files.writeString(file, "vmigrate.host.id=h1\nbootstrap.servers=a:1\n");

        var settings = HostAgentMain.settings(new String[] {file.toString()},
                Map.of("VMIGRATE_BOOTSTRAP_SERVERS", "b:2", "VMIGRATE_AGENT_KEYSTORE_PASSWORD", "pw", "UNRELATED", "x"));

        assertThat(settings).containsEntry("vmigrate.host.id", "h1").containsEntry("bootstrap.servers", "b:2")
                .containsEntry("vmigrate.agent.keystore.password", "pw").doesNotContainKey("UNRELATED");
        assertThat(HostAgentMain.environmentName(HostAgentConfig.HOST_ID)).isEqualTo("VMIGRATE_HOST_ID");
    }
}
