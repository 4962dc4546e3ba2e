package io.vmigrate.schema.topic;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.alert.SecurityAlert;
import io.vmigrate.schema.alert.SecurityAlerts;
import io.vmigrate.schema.common.RefusalReason;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.common.header.Headers;
import org.junit.jupiter.api.Test;

class DeadLetterHeadersTest {

    @Test
    void namesReasonOriginAndComponentWithABoundedDetail() {
        Headers headers = DeadLetterHeaders.of(RefusalReason.MALFORMED, "x".repeat(5000), "host.events", 3, 42L,
                "host-agent/h1");
        assertThat(text(headers, DeadLetterHeaders.REASON)).isEqualTo("MALFORMED");
        assertThat(text(headers, DeadLetterHeaders.DETAIL)).hasSize(DeadLetterHeaders.MAX_DETAIL);
        assertThat(text(headers, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo("host.events");
        assertThat(text(headers, DeadLetterHeaders.SOURCE_PARTITION)).isEqualTo("3");
        assertThat(text(headers, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("42");
        assertThat(text(headers, DeadLetterHeaders.COMPONENT)).isEqualTo("host-agent/h1");
    }

    @Test
    void alertsCarryTheirOriginAndABoundedDetail() {
        SecurityAlert alert = SecurityAlerts.of("center", Instant.EPOCH, RefusalReason.REPLAYED, "y".repeat(5000), "h1",
                "m1", "vm1", "msg", new SecurityAlerts.Origin("host.h1.commands", 0, 7L));
        assertThat(alert.getDetail()).hasSize(1000);
        assertThat(alert.getSourceOffset()).isEqualTo(7L);
        assertThat(SecurityAlerts.of("center", Instant.EPOCH, RefusalReason.REPLAYED, null, null, null, null, null,
                SecurityAlerts.Origin.unknown()).getSourceTopic()).isNull();
    }

    private static String text(Headers headers, String key) {
        return new String(headers.lastHeader(key).value(), StandardCharsets.UTF_8);
    }
}
