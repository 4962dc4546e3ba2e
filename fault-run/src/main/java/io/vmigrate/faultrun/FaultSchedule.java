package io.vmigrate.faultrun;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The faults of a run, drawn from its seed alone: which kinds in which order, when (spread evenly over the
 * part of the run after the fault-free yardstick), on which target and for how long. Printed at the start, so
 * a run can be repeated with {@code --seed}.
 */
public final class FaultSchedule {

    private final long seed;
    private final List<ScheduledFault> faults;

    private FaultSchedule(long seed, List<ScheduledFault> faults) {
        this.seed = seed;
        this.faults = List.copyOf(faults);
    }

    public static FaultSchedule generate(FaultRunSettings settings, List<String> hostIds, int brokers, int centers) {
        Random random = new Random(settings.seed());
        List<FaultKind> kinds = new ArrayList<>();
        settings.faults().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                .forEach(entry -> kinds.addAll(Collections.nCopies(entry.getValue(), entry.getKey())));
        Collections.shuffle(kinds, random);
        // The load runs at most this far past a pending fault's trigger; the last fault leaves some migrations after it.
        int slack = settings.hosts() * settings.inFlightPerHost();
        int span = Math.max(1, settings.migrations() - settings.faultFreeMigrations() - slack);
        List<ScheduledFault> faults = new ArrayList<>();
        for (int i = 0; i < kinds.size(); i++) {
            FaultKind kind = kinds.get(i);
            // Evenly spaced, leaving the last stretch of the run to show that migrations flow again.
            int afterEnded = settings.faultFreeMigrations() + (int) ((long) span * (i + 1) / (kinds.size() + 1));
            Duration jitter = Duration.ofMillis(random.nextInt(1500));
            faults.add(new ScheduledFault(i + 1, kind, afterEnded, jitter, target(kind, random, hostIds, brokers, centers),
                    outage(kind, random, settings.deadline())));
        }
        return new FaultSchedule(settings.seed(), faults);
    }

    private static String target(FaultKind kind, Random random, List<String> hostIds, int brokers, int centers) {
        return switch (kind) {
            case BROKER -> "node-" + random.nextInt(brokers);
            case ACTIVE_CONTROLLER -> "leader";
            case CENTER -> "center-" + random.nextInt(centers);
            case HOST_AGENT, SECURE_ZONE, REDELIVERY, DELAYED_REPLIES, DEADLINE_PASSED ->
                    hostIds.get(random.nextInt(hostIds.size()));
        };
    }

    private static Duration outage(FaultKind kind, Random random, Duration deadline) {
        return switch (kind) {
            case BROKER, ACTIVE_CONTROLLER -> Duration.ofMillis(5_000 + random.nextInt(10_000));
            case CENTER -> Duration.ofMillis(2_000 + random.nextInt(8_000));
            case HOST_AGENT, SECURE_ZONE -> Duration.ofMillis(1_000 + random.nextInt(6_000));
            case REDELIVERY -> Duration.ZERO;
            case DELAYED_REPLIES -> Duration.ofMillis(5_000 + random.nextInt(10_000));
            case DEADLINE_PASSED -> deadline.plusMillis(5_000 + random.nextInt(10_000));
        };
    }

    public long seed() {
        return seed;
    }

    public List<ScheduledFault> faults() {
        return faults;
    }

    public String describe() {
        StringBuilder text = new StringBuilder("fault schedule (seed " + seed + ", " + faults.size() + " faults):\n");
        faults.forEach(fault -> text.append("  ").append(fault).append('\n'));
        return text.toString();
    }
}
