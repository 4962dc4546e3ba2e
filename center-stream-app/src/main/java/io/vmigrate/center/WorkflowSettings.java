package io.vmigrate.center;

import java.time.Duration;
import java.util.Objects;

/** The timing knobs of the workflow, taken from {@link CenterConfig}. */
public record WorkflowSettings(Duration commandTtl, Duration defaultDeadline, Duration maxDeadline, Duration deregisterRetry,
        Duration punctuationInterval, Duration allowedClockSkew, int workflowPartitions) {

    public WorkflowSettings {
        Objects.requireNonNull(commandTtl, "commandTtl");
        Objects.requireNonNull(defaultDeadline, "defaultDeadline");
        Objects.requireNonNull(deregisterRetry, "deregisterRetry");
        Objects.requireNonNull(punctuationInterval, "punctuationInterval");
        Objects.requireNonNull(allowedClockSkew, "allowedClockSkew");
        Objects.requireNonNull(maxDeadline, "maxDeadline");
        if (workflowPartitions < 1) {
            throw new IllegalArgumentException("workflowPartitions must be positive");
        }
    }

    public static WorkflowSettings from(CenterConfig config) {
        return new WorkflowSettings(config.commandTtl(), config.defaultDeadline(), config.maxDeadline(),
                config.deregisterRetry(), config.punctuationInterval(), config.allowedClockSkew(), config.topicPartitions());
    }
}
