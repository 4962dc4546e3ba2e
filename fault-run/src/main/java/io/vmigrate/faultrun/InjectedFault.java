package io.vmigrate.faultrun;

import java.time.Instant;

/** A fault as it was really injected: on what (the target chosen when it struck), when, and when it was undone. */
public record InjectedFault(ScheduledFault scheduled, String target, Instant injectedAt, Instant restoredAt, String detail) {

    /** The host it struck, for host faults; otherwise the whole system was its scope. */
    public java.util.Optional<String> host() {
        return switch (scheduled.kind()) {
            case HOST_AGENT, SECURE_ZONE, REDELIVERY, DELAYED_REPLIES, DEADLINE_PASSED -> java.util.Optional.of(target);
            default -> java.util.Optional.empty();
        };
    }

    @Override
    public String toString() {
        return String.format("#%-2d %-17s %-9s at %s, restored after %5.1f s; %s", scheduled.number(), scheduled.kind(),
                target, injectedAt, java.time.Duration.between(injectedAt, restoredAt).toMillis() / 1000.0, detail);
    }
}
