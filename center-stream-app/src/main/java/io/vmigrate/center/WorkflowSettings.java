package io.vmigrate.center;

import java.time.Duration;
import java.util.Objects;

/** The timing knobs of the workflow, taken from {@link CenterConfig}. */
public record WorkflowSettings(Duration commandTtl, Duration defaultDeadline, Duration deregisterRetry,
        Duration punctuationInterval, Duration allowedClockSkew) {

    public WorkflowSettings {
        Objects.requireNonNull(commandTtl, "commandTtl");
        Objects.requireNonNull(defaultDeadline, "defaultDeadline");
        Objects.requireNonNull(deregisterRetry, "deregisterRetry");
        Objects.requireNonNull(punctuationInterval, "punctuationInterval");
        Objects.requireNonNull(allowedClockSkew, "allowedClockSkew");
    }

    public static WorkflowSettings from(CenterConfig config) {
        return new WorkflowSettings(config.commandTtl(), config.defaultDeadline(), config.deregisterRetry(),
                config.punctuationInterval(), config.allowedClockSkew());
    }
}
