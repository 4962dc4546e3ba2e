package io.vmigrate.cli;

import io.vmigrate.cli.operator.MigrationWatcher;
import java.time.Duration;
import java.time.Instant;

/** One printed line per protocol step: time since the request, the step, what it concerned. */
public final class Timeline {

    private Timeline() {}

    public static String line(Instant requestedAt, MigrationWatcher.Step step) {
        double seconds = Duration.between(requestedAt, step.at()).toMillis() / 1000.0;
        return String.format("%+8.3fs  %-22s %s", seconds, step.step(), step.detail());
    }
}
