package io.vmigrate.center.workflow;

import io.vmigrate.schema.center.MigrationState;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * What one event does to one VM's workflow: the migration's next state, where to keep it, and the
 * effects in the order they must be carried out. The audit effects continue {@link #next()}'s hash
 * chain, so an outcome with audit effects always keeps its state.
 */
public record Outcome(MigrationState next, Keep keep, List<Effect> effects) {

    /** Where the adapter keeps {@link #next()}. */
    public enum Keep {
        /** Not at all: nothing about the migration changed. */
        NOTHING,
        /** As the VM's current migration, and in the by-id index. */
        AS_CURRENT,
        /** Only in the by-id index: a rejected request must not replace the VM's migration in flight. */
        BY_ID_ONLY
    }

    public Outcome {
        Objects.requireNonNull(keep, "keep");
        effects = List.copyOf(effects);
        if ((keep == Keep.NOTHING) != (next == null)) {
            throw new IllegalArgumentException("a kept outcome needs a state, and only a kept one has one");
        }
        if (next == null && effects.stream().anyMatch(Effect.Audit.class::isInstance)) {
            throw new IllegalArgumentException("audit records continue a migration's chain, so its state must be kept");
        }
    }

    /** Nothing changes and nothing is recorded except {@code effects} (alerts, dead letters, log lines). */
    public static Outcome untouched(Effect... effects) {
        return new Outcome(null, Keep.NOTHING, List.of(effects));
    }

    public boolean isEmpty() {
        return keep == Keep.NOTHING && effects.isEmpty();
    }

    /** The effects of one kind, in order. */
    public <E extends Effect> List<E> effects(Class<E> type) {
        return effects.stream().filter(type::isInstance).map(type::cast).collect(Collectors.toList());
    }
}
