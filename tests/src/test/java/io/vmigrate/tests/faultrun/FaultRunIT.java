package io.vmigrate.tests.faultrun;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.faultrun.FaultKind;
import io.vmigrate.faultrun.FaultRun;
import io.vmigrate.faultrun.FaultRunResult;
import io.vmigrate.faultrun.FaultRunSettings;
import io.vmigrate.faultrun.InjectedFault;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CI-sized fault run (issue 9): 60 migrations on a three-broker cluster of child JVMs, two center
 * instances and five hosts whose zone and agent are processes, with one fault of every kind; every invariant
 * must hold afterwards, read from the real state. The 1,000-migration run is {@code fault-run/run}.
 */
class FaultRunIT {

    private static final long SEED = 20261202L;

    @Test
    void sixtyMigrationsSurviveOneFaultOfEachKind(@TempDir Path dataDir) throws Exception {
        FaultRunSettings settings = FaultRunSettings.ofSize(dataDir, SEED, 60)
                .withDeadline(Duration.ofSeconds(30), Duration.ofSeconds(30));
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);

        FaultRunResult result = new FaultRun(settings, out).run();

        Set<FaultKind> struck = result.faults().stream().map(fault -> fault.scheduled().kind())
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(FaultKind.class)));
        assertThat(struck).as("one fault of each kind injected").containsExactlyInAnyOrder(FaultKind.values());
        assertThat(result.faults()).extracting(InjectedFault::detail).allSatisfy(detail -> assertThat(detail).isNotBlank());
        assertThat(result.firstFailure()).as("first broken invariant or run error").isEmpty();
        assertThat(result.exitCode()).isZero();
    }
}
