package io.vmigrate.host.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vmigrate.host.store.ProcessedCommand;
import io.vmigrate.host.store.ProcessedCommandStore;
import io.vmigrate.common.testing.ManualClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentMetricsTest {

    @TempDir
    Path dir;

    @Test
    void theScrapeShowsHowMuchTheProcessedCommandLogHolds() throws Exception {
        var clock = new ManualClock(Instant.parse("2030-01-01T00:00:00Z"));
        var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Path file = dir.resolve("processed.log");
        try (var store = ProcessedCommandStore.open(file, Duration.ofHours(1), clock, 0)) {
            new AgentMetrics(registry, "h1").watch(store);
            long expiresAt = clock.instant().plusSeconds(600).toEpochMilli();
            store.record(new ProcessedCommand("msg-1", "host.h1.commands", 0, 1, expiresAt, new byte[16]));
            store.record(new ProcessedCommand("msg-2", "host.h1.commands", 0, 2, expiresAt, new byte[16]));

            String scrape = registry.scrape();
            assertThat(scrape).contains("vmigrate_agent_processed_commands{host=\"h1\"} 2.0")
                    .contains("vmigrate_agent_processed_log_bytes{host=\"h1\"} " + (double) Files.size(file))
                    .contains("vmigrate_agent_processed_log_compactions_total{host=\"h1\"} 0.0");

            clock.advance(Duration.ofHours(2));
            store.record(new ProcessedCommand("msg-3", "host.h1.commands", 0, 3, clock.instant().plusSeconds(600)
                    .toEpochMilli(), new byte[16]));
            assertThat(registry.scrape()).contains("vmigrate_agent_processed_commands{host=\"h1\"} 1.0")
                    .contains("vmigrate_agent_processed_log_compactions_total{host=\"h1\"} 1.0");
        }
    }
}
