package io.vmigrate.host.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vmigrate.host.HandlingResult;
import io.vmigrate.host.store.ProcessedCommandStore;
import io.vmigrate.schema.common.RefusalReason;
import java.util.Objects;

/**
 * Where the host agent records what it does. Prometheus names:
 * {@code vmigrate_agent_commands_total{host,type,result}}, {@code vmigrate_agent_refusals_total{host,by,reason}},
 * {@code vmigrate_security_alerts_total{component,reason}}, {@code vmigrate_dead_letters_total{component,reason}},
 * {@code vmigrate_agent_secure_zone_latency_seconds{host,operation,outcome}} and
 * {@code vmigrate_agent_hypervisor_latency_seconds{host,operation,result}} (histograms), and of the
 * processed-command log {@code vmigrate_agent_processed_commands{host}} (remembered now),
 * {@code vmigrate_agent_processed_log_bytes{host}} (file size) and
 * {@code vmigrate_agent_processed_log_compactions_total{host}}.
 */
public final class AgentMetrics {

    public static final String COMMANDS = "vmigrate.agent.commands";
    public static final String REFUSALS = "vmigrate.agent.refusals";
    public static final String SECURITY_ALERTS = "vmigrate.security.alerts";
    public static final String DEAD_LETTERS = "vmigrate.dead.letters";
    public static final String SECURE_ZONE_LATENCY = "vmigrate.agent.secure.zone.latency";
    public static final String HYPERVISOR_LATENCY = "vmigrate.agent.hypervisor.latency";
    public static final String PROCESSED_COMMANDS = "vmigrate.agent.processed.commands";
    public static final String PROCESSED_LOG_BYTES = "vmigrate.agent.processed.log.bytes";
    public static final String PROCESSED_LOG_COMPACTIONS = "vmigrate.agent.processed.log.compactions";

    private final MeterRegistry registry;
    private final String hostId;
    private final String component;

    public AgentMetrics(MeterRegistry registry, String hostId) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.hostId = Objects.requireNonNull(hostId, "hostId");
        this.component = "host-agent/" + hostId;
    }

    /** Metrics kept in memory only, for wiring that exposes none (tests, embedding). */
    public static AgentMetrics inMemory(String hostId) {
        return new AgentMetrics(new SimpleMeterRegistry(), hostId);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** A command record was handled; {@code type} is its message type, or UNDECODABLE. */
    public void commandHandled(String type, HandlingResult.Kind result) {
        Counter.builder(COMMANDS).description("Command records handled, by message type and result")
                .tag("host", hostId).tag("type", type).tag("result", result.name())
                .register(registry).increment();
    }

    /** A command was refused, {@code by} the secure zone or the hypervisor. */
    public void refusal(String by, RefusalReason reason) {
        Counter.builder(REFUSALS).description("Commands refused, by who refused and why")
                .tag("host", hostId).tag("by", by).tag("reason", reason.name())
                .register(registry).increment();
    }

    public void securityAlert(RefusalReason reason) {
        Counter.builder(SECURITY_ALERTS).description("Security alerts published")
                .tag("component", component).tag("reason", reason.name())
                .register(registry).increment();
    }

    public void deadLetter(RefusalReason reason) {
        Counter.builder(DEAD_LETTERS).description("Records sent to the dead-letter topic")
                .tag("component", component).tag("reason", reason.name())
                .register(registry).increment();
    }

    /** One request to the secure zone; {@code outcome} is its answer (OK, DUPLICATE, REFUSED) or UNREACHABLE. */
    public void secureZoneCall(String operation, String outcome, long nanos) {
        Timer.builder(SECURE_ZONE_LATENCY).description("Secure-zone request latency, by operation")
                .tag("host", hostId).tag("operation", operation).tag("outcome", outcome)
                .publishPercentileHistogram()
                .register(registry).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** Reports the size of the processed-command log, read at each scrape without waiting for an append. */
    public void watch(ProcessedCommandStore processed) {
        Objects.requireNonNull(processed, "processed");
        Gauge.builder(PROCESSED_COMMANDS, processed, store -> store.stats().liveEntries())
                .description("Commands the processed-command log remembers (those of the last retention window)")
                .tag("host", hostId).strongReference(true).register(registry);
        Gauge.builder(PROCESSED_LOG_BYTES, processed, store -> store.stats().fileBytes())
                .description("Size of the processed-command log file").baseUnit("bytes")
                .tag("host", hostId).strongReference(true).register(registry);
        FunctionCounter.builder(PROCESSED_LOG_COMPACTIONS, processed, store -> store.stats().compactions())
                .description("Times the processed-command log was rewritten with its live entries only")
                .tag("host", hostId).register(registry);
    }

    /** One hypervisor operation; {@code result} is ok, failed (cannot succeed) or error (may succeed later). */
    public void hypervisorCall(String operation, String result, long nanos) {
        Timer.builder(HYPERVISOR_LATENCY).description("Hypervisor operation latency, by operation")
                .tag("host", hostId).tag("operation", operation).tag("result", result)
                .publishPercentileHistogram()
                .register(registry).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
}
