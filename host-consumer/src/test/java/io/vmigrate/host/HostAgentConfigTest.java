package io.vmigrate.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class HostAgentConfigTest {

    private static Map<String, Object> valid() {
        var props = new HashMap<String, Object>();
        props.put(HostAgentConfig.BOOTSTRAP_SERVERS, "127.0.0.1:9092");
        props.put(HostAgentConfig.HOST_ID, "h1");
        props.put(HostAgentConfig.SECURE_ZONE_SOCKET, "/tmp/h1.sock");
        props.put(HostAgentConfig.STATE_DIR, "/tmp/h1");
        props.put(HostAgentConfig.AGENT_KEYSTORE_PASSWORD, "pw");
        return props;
    }

    @Test
    void derivesItsTopicAndStaticMembershipFromTheHostId() {
        var config = new HostAgentConfig(valid());
        assertThat(config.commandTopic()).isEqualTo("host.h1.commands");
        assertThat(config.groupInstanceId()).isEqualTo("host-agent-h1");
    }

    @Test
    void refusesAHostIdThatCannotNameATopic() {
        var props = valid();
        props.put(HostAgentConfig.HOST_ID, "h.1");
        assertThatThrownBy(() -> new HostAgentConfig(props))
                .isInstanceOf(ConfigException.class).hasMessageContaining(HostAgentConfig.HOST_ID);
    }
}
