package io.vmigrate.faultrun;

import io.vmigrate.trust.Suite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/** The fault run's command line, validated; an unknown or malformed option is an error, never ignored. */
record FaultRunArguments(FaultRunSettings settings, Optional<Path> benchmarksFile, String commandLine) {

    static final String USAGE = "usage: fault-run/run [--migrations N (1000)] [--seed S (random, printed)] [--hosts N (5)]"
            + " [--vms-per-host N (6)] [--in-flight N (2)] [--suite intl|gm (intl)] [--deadline-s N (40)] [--grace-s N (60)]"
            + " [--data-dir DIR (new temp dir)] [--benchmarks FILE (write the figures there, e.g. BENCHMARKS.md)]";

    static FaultRunArguments parse(String[] args) throws java.io.IOException {
        int migrations = 1000;
        long seed = new SecureRandom().nextLong() & Long.MAX_VALUE;
        int hosts = 5;
        int vmsPerHost = 6;
        int inFlight = 2;
        Suite suite = Suite.INTL;
        Duration deadline = Duration.ofSeconds(40);
        Duration grace = Duration.ofSeconds(60);
        Path dataDir = null;
        Path benchmarks = null;
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            String value = args[++i];
            switch (option) {
                case "--migrations" -> migrations = positive(option, value);
                case "--seed" -> seed = Long.parseLong(value);
                case "--hosts" -> hosts = positive(option, value);
                case "--vms-per-host" -> vmsPerHost = positive(option, value);
                case "--in-flight" -> inFlight = positive(option, value);
                case "--suite" -> suite = Suite.valueOf(value.toUpperCase(Locale.ROOT));
                case "--deadline-s" -> deadline = Duration.ofSeconds(positive(option, value));
                case "--grace-s" -> grace = Duration.ofSeconds(positive(option, value));
                case "--data-dir" -> dataDir = Path.of(value);
                case "--benchmarks" -> benchmarks = Path.of(value);
                default -> throw new IllegalArgumentException("unknown option " + option);
            }
        }
        if (dataDir == null) {
            dataDir = Files.createTempDirectory("vmigrate-fault-run-");
        }
        FaultRunSettings settings = FaultRunSettings.ofSize(dataDir, seed, migrations)
                .withSuite(suite).withHosts(hosts, vmsPerHost, inFlight).withDeadline(deadline, grace);
        String command = "fault-run/run --migrations " + migrations + " --seed " + seed + " --hosts " + hosts
                + " --vms-per-host " + vmsPerHost + " --in-flight " + inFlight + " --suite "
                + suite.name().toLowerCase(Locale.ROOT) + " --deadline-s " + deadline.toSeconds() + " --grace-s " + grace.toSeconds();
        return new FaultRunArguments(settings, Optional.ofNullable(benchmarks), command);
    }

    private static int positive(String option, String value) {
        int number;
        try {
            number = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a whole number, not " + value);
        }
        if (number < 1) {
            throw new IllegalArgumentException(option + " must be at least 1");
        }
        return number;
    }
}
