package io.vmigrate.center;

import java.time.Duration;
import java.util.Objects;

/**
 * The timing knobs of the workflow, taken from {@link CenterConfig}: {@code migrationRetention} is how long a
 * finished migration is kept by id, {@code claimRetention} how long a claimed migration id is.
 */
public record WorkflowSettings(Duration commandTtl, Duration defaultDeadline, Duration maxDeadline, Duration deregisterRetry,
        Duration punctuationInterval, Duration allowedClockSkew, int workflowPartitions, Duration migrationRetention,
        Duration claimRetention) {

    public WorkflowSettings {
        Objects.requireNonNull(commandTtl, "commandTtl");
        Objects.requireNonNull(defaultDeadline, "defaultDeadline");
        Objects.requireNonNull(deregisterRetry, "deregisterRetry");
        Objects.requireNonNull(punctuationInterval, "punctuationInterval");
        Objects.requireNonNull(allowedClockSkew, "allowedClockSkew");
        Objects.requireNonNull(maxDeadline, "maxDeadline");
        Objects.requireNonNull(migrationRetention, "migrationRetention");
        Objects.requireNonNull(claimRetention, "claimRetention");
        if (workflowPartitions < 1) {
            throw new IllegalArgumentException("workflowPartitions must be positive");
        }
    }

    public static WorkflowSettings from(CenterConfig config) {
        return new WorkflowSettings(config.commandTtl(), config.defaultDeadline(), config.maxDeadline(),
                config.deregisterRetry(), config.punctuationInterval(), config.allowedClockSkew(), config.topicPartitions(),
                config.migrationRetention(), config.migrationIdClaimRetention());
    }
}
