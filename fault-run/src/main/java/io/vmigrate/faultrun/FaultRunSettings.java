package io.vmigrate.faultrun;

import io.vmigrate.trust.Suite;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a fault run does: how many migrations, on how many hosts, with which faults, from which seed. The
 * same seed gives the same schedule (kinds, order, targets, outages); the run prints both.
 */
public record FaultRunSettings(Path dataDir, long seed, int migrations, int faultFreeMigrations, int hosts, int vmsPerHost,
        int inFlightPerHost, Suite suite, Duration deadline, Duration grace, Map<FaultKind, Integer> faults,
        int partitions, int imageBytes, Duration runTimeout) {

    public FaultRunSettings {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(suite, "suite");
        Objects.requireNonNull(deadline, "deadline");
        Objects.requireNonNull(grace, "grace");
        Objects.requireNonNull(runTimeout, "runTimeout");
        faults = Map.copyOf(faults);
        require(migrations >= 1, "migrations must be at least 1");
        require(faultFreeMigrations >= 1 && faultFreeMigrations < migrations,
                "fault-free migrations must be at least 1 and fewer than all migrations");
        require(hosts >= 2 && hosts <= 50, "hosts must be 2..50");
        require(vmsPerHost >= 1, "vms per host must be at least 1");
        require(inFlightPerHost >= 1 && inFlightPerHost <= vmsPerHost, "in-flight per host must be 1..vms per host");
        require(partitions >= 1, "partitions must be at least 1");
        require(imageBytes >= 1 && imageBytes <= 64 << 20, "image bytes must be 1..64 MiB");
        require(faults.values().stream().allMatch(n -> n >= 0), "fault counts must not be negative");
    }

    /** The defaults of issue 9: 1,000 migrations on five hosts; every kind of fault, several times each. */
    public static FaultRunSettings defaults(Path dataDir, long seed) {
        return ofSize(dataDir, seed, 1000);
    }

    /**
     * {@code migrations} migrations with faults in proportion (one of each kind per 300 migrations, at least
     * one; the active controller once), a fifth of the migrations first without faults as the yardstick.
     */
    public static FaultRunSettings ofSize(Path dataDir, long seed, int migrations) {
        int each = Math.max(1, migrations / 300);
        Map<FaultKind, Integer> faults = new EnumMap<>(FaultKind.class);
        for (FaultKind kind : FaultKind.values()) {
            faults.put(kind, kind == FaultKind.ACTIVE_CONTROLLER ? 1 : each);
        }
        return new FaultRunSettings(dataDir, seed, migrations, Math.max(1, migrations / 5), 5, 6, 2, Suite.INTL,
                Duration.ofSeconds(40), Duration.ofSeconds(60), faults, 6, 64 * 1024, Duration.ofHours(2));
    }

    public int faultCount() {
        return faults.values().stream().mapToInt(Integer::intValue).sum();
    }

    public FaultRunSettings withSuite(Suite newSuite) {
        return new FaultRunSettings(dataDir, seed, migrations, faultFreeMigrations, hosts, vmsPerHost, inFlightPerHost,
                newSuite, deadline, grace, faults, partitions, imageBytes, runTimeout);
    }

    public FaultRunSettings withHosts(int newHosts, int newVmsPerHost, int newInFlightPerHost) {
        return new FaultRunSettings(dataDir, seed, migrations, faultFreeMigrations, newHosts, newVmsPerHost,
                newInFlightPerHost, suite, deadline, grace, faults, partitions, imageBytes, runTimeout);
    }

    public FaultRunSettings withDeadline(Duration newDeadline, Duration newGrace) {
        return new FaultRunSettings(dataDir, seed, migrations, faultFreeMigrations, hosts, vmsPerHost, inFlightPerHost,
                suite, newDeadline, newGrace, faults, partitions, imageBytes, runTimeout);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
