package io.vmigrate.common.retry;

import java.time.Duration;
import java.util.Objects;

/** Doubling waits between attempts of a transient failure, capped; {@link #reset} after a success. */
public final class Backoff {

    private final Duration initial;
    private final Duration max;
    private Duration next;

    public Backoff(Duration initial, Duration max) {
        this.initial = Objects.requireNonNull(initial, "initial");
        this.max = Objects.requireNonNull(max, "max");
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < initial <= max, got " + initial + " and " + max);
        }
        this.next = initial;
    }

    /** The wait before the next attempt; each call doubles the following one up to the cap. */
    public Duration next() {
        Duration wait = next;
        Duration doubled = next.multipliedBy(2);
        next = doubled.compareTo(max) > 0 ? max : doubled;
        return wait;
    }

    public void reset() {
        next = initial;
    }
}
