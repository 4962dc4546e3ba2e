package io.vmigrate.schema.topic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import org.junit.jupiter.api.Test;

class TopicsTest {

    private final Topics topics = Topics.withDefaultWireFormat();

    @Test
    void hostCommandTopicsRoundTripTheirHostId() {
        assertThat(topics.hostCommands("h-1").name()).isEqualTo("host.h-1.commands");
        assertThat(Topics.hostIdOfCommandTopic("host.h-1.commands")).contains("h-1");
        assertThat(Topics.hostIdOfCommandTopic("host.events")).isEmpty();
    }

    @Test
    void refusesHostIdsThatWouldBreakTopicOrAclNames() {
        for (String bad : new String[] {"", "a.b", "a_b", "-a", "a b", "a/b", "x".repeat(64)}) {
            assertThatThrownBy(() -> topics.hostCommands(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void sharedTopicNamesAreDistinctAndRegistriesAreCompacted() {
        var names = new HashSet<String>();
        topics.sharedTopics().forEach(t -> assertThat(names.add(t.name())).as("unique %s", t.name()).isTrue());
        assertThat(topics.trustRegistry().configs()).containsEntry("cleanup.policy", "compact");
        assertThat(topics.vmInventory().configs()).containsEntry("cleanup.policy", "compact");
        assertThat(names).doesNotContain(topics.hostCommands("h1").name());
    }
}
