package io.vmigrate.center;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.common.RefusalReason;
import java.time.Duration;
import java.util.Objects;

/**
 * {@link CenterMetrics} on a Micrometer registry. Prometheus names: {@code vmigrate_migrations_total{outcome,kind}},
 * {@code vmigrate_migration_step_latency_seconds{step,kind}} (histogram), {@code vmigrate_refusals_total{stage,reason}},
 * {@code vmigrate_dead_letters_total{component,reason}}, {@code vmigrate_security_alerts_total{component,reason}},
 * {@code vmigrate_registry_records_ignored_total{why}}, {@code vmigrate_registry_entries_reasserted_total}.
 */
public final class MicrometerCenterMetrics implements CenterMetrics {

    public static final String MIGRATIONS = "vmigrate.migrations";
    public static final String STEP_LATENCY = "vmigrate.migration.step.latency";
    public static final String REFUSALS = "vmigrate.refusals";
    public static final String DEAD_LETTERS = "vmigrate.dead.letters";
    public static final String SECURITY_ALERTS = "vmigrate.security.alerts";
    public static final String REGISTRY_RECORDS_IGNORED = "vmigrate.registry.records.ignored";
    public static final String REGISTRY_ENTRIES_REASSERTED = "vmigrate.registry.entries.reasserted";
    public static final String IN_FLIGHT = "vmigrate.migrations.in.flight";
    static final String COMPONENT = "center";

    private final MeterRegistry registry;

    public MicrometerCenterMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    public MeterRegistry registry() {
        return registry;
    }

    @Override
    public void stepReached(MigrationStep step, boolean registration, Duration sinceRequest) {
        Timer.builder(STEP_LATENCY)
                .description("Time from a migration's request to each of its steps")
                .tag("step", step.name())
                .tag("kind", kind(registration))
                .publishPercentileHistogram()
                .register(registry)
                .record(sinceRequest.isNegative() ? Duration.ZERO : sinceRequest);
    }

    @Override
    public void migrationEnded(MigrationStep outcome, boolean registration) {
        Counter.builder(MIGRATIONS).description("Migrations by outcome")
                .tag("outcome", outcome.name()).tag("kind", kind(registration))
                .register(registry).increment();
    }

    @Override
    public void refusal(String stage, RefusalReason reason) {
        Counter.builder(REFUSALS).description("Rejected requests and aborted migrations by reason")
                .tag("stage", stage).tag("reason", reason.name())
                .register(registry).increment();
    }

    @Override
    public void deadLetter(RefusalReason reason) {
        Counter.builder(DEAD_LETTERS).description("Records sent to the dead-letter topic")
                .tag("component", COMPONENT).tag("reason", reason.name())
                .register(registry).increment();
    }

    @Override
    public void securityAlert(RefusalReason reason) {
        Counter.builder(SECURITY_ALERTS).description("Security alerts published")
                .tag("component", COMPONENT).tag("reason", reason.name())
                .register(registry).increment();
    }

    @Override
    public void registryRecordIgnored(String why) {
        Counter.builder(REGISTRY_RECORDS_IGNORED).description("trust.registry records that changed nothing the center trusts")
                .tag("why", why)
                .register(registry).increment();
    }

    @Override
    public void registryEntryReasserted() {
        Counter.builder(REGISTRY_ENTRIES_REASSERTED).description("Registry entries republished over a contesting record")
                .register(registry).increment();
    }

    private static String kind(boolean registration) {
        return registration ? "registration" : "migration";
    }
}
