package io.vmigrate.faultrun;

import java.time.Duration;

/**
 * One fault of the schedule: injected once {@code afterEnded} migrations have ended, {@code jitter} later (so it
 * lands at a random point of the migrations in flight), on {@code target}, for {@code outage}.
 */
public record ScheduledFault(int number, FaultKind kind, int afterEnded, Duration jitter, String target, Duration outage) {

    @Override
    public String toString() {
        return String.format("#%-2d after %4d ended +%4d ms  %-17s %-9s outage %5.1f s", number, afterEnded,
                jitter.toMillis(), kind, target, outage.toMillis() / 1000.0);
    }
}
