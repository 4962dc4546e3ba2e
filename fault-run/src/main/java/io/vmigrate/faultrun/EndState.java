package io.vmigrate.faultrun;

import io.vmigrate.faultrun.invariants.InvariantChecks;
import io.vmigrate.faultrun.invariants.InvariantReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of a run: waits (bounded) for the last acknowledgements to land, stops every component (so what is
 * on disk is what a component left, not what it is writing), then checks the invariants from the disks, the
 * zones and the topics. The verdict is the check after the stop; the ones before only tell when to stop.
 */
final class EndState {

    private static final Logger LOG = LoggerFactory.getLogger(EndState.class);
    /** Sources destroy keys and destinations undo aborts after the outcome the run saw; retries are every 2 s. */
    private static final Duration SETTLE_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration SETTLE_INTERVAL = Duration.ofSeconds(5);

    private final InvariantReport report;

    private EndState(InvariantReport report) {
        this.report = report;
    }

    static EndState check(RunSystem system, List<RequestedMigration> requested, List<InjectedDuplicate> duplicates,
            List<InjectedFault> faults, Duration grace, PrintWriter out) throws InterruptedException, IOException {
        long settleEnd = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        while (true) {
            InvariantReport settling = InvariantChecks.check(system.layout(), system.adminClient(), requested, duplicates, faults, grace);
            if (settling.holds() || System.nanoTime() > settleEnd) {
                break;
            }
            LOG.info("not settled yet: {}", settling.firstBroken().map(Object::toString).orElse(""));
            Thread.sleep(SETTLE_INTERVAL.toMillis());
        }
        system.stopComponents();
        InvariantReport report = InvariantChecks.check(system.layout(), system.adminClient(), requested, duplicates, faults, grace);
        out.println();
        out.println("invariants, read from the disks, the zones and the topics after every component stopped:");
        report.printTo(out);
        return new EndState(report);
    }

    InvariantReport report() {
        return report;
    }
}
