package io.vmigrate.faultrun;

import io.vmigrate.faultrun.process.ChildProcess;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole fault run: start the system, print the schedule, drive the migrations while the injector strikes,
 * bring every component back, then check the invariants from the real state and report the figures.
 */
public final class FaultRun {

    private static final Logger LOG = LoggerFactory.getLogger(FaultRun.class);

    private final FaultRunSettings settings;
    private final PrintWriter out;
    private final Clock clock = Clock.systemUTC();

    public FaultRun(FaultRunSettings settings, PrintWriter out) {
        this.settings = settings;
        this.out = out;
    }

    public FaultRunResult run() throws InterruptedException, java.io.IOException {
        out.printf("vmigrate fault run: %d migrations (%d fault-free first), %d hosts x %d VMs, %d in flight per host,"
                        + " suite %s, deadline %s, grace %s, seed %d, data in %s%n", settings.migrations(),
                settings.faultFreeMigrations(), settings.hosts(), settings.vmsPerHost(), settings.inFlightPerHost(),
                settings.suite(), settings.deadline(), settings.grace(), settings.seed(), settings.dataDir());
        out.flush();
        Instant started = clock.instant();
        try (RunSystem system = RunSystem.start(settings)) {
            out.printf("system up in %.1f s: 3 brokers, %d center instances, %d hosts (zone + agent processes), %d VMs%n",
                    Duration.between(started, clock.instant()).toMillis() / 1000.0, system.centers().size(),
                    system.layout().hostIds().size(), system.allVms().size());
            FaultSchedule schedule = FaultSchedule.generate(settings, system.layout().hostIds(),
                    system.cluster().nodeCount(), system.centers().size());
            out.print(schedule.describe());
            out.flush();

            Instant loadStart;
            boolean allEnded;
            FaultInjector injector;
            List<RequestedMigration> requested;
            List<MigrationEnd> ends;
            Instant faultsFrom;
            try (MigrationLoad load = new MigrationLoad(settings, system.topics(), system.initialVms(),
                    system.operatorClient(), system.adminClient(), system.operatorSealer())) {
                injector = new FaultInjector(system, load, schedule);
                FaultInjector gatekeeper = injector;
                int slack = settings.hosts() * settings.inFlightPerHost();
                load.gate(number -> gatekeeper.mayRequest(number, slack));
                Thread injecting = new Thread(injector, "fault-injector");
                loadStart = clock.instant();
                injecting.start();
                allEnded = load.run();
                injector.stop();
                injecting.join();
                requested = load.requested();
                ends = load.ends();
                faultsFrom = load.faultFreeEnded().orElse(clock.instant());
            }
            Instant loadEnd = clock.instant();
            out.printf("load ended after %.1f s: %d requested, %d ended%s%n",
                    Duration.between(loadStart, loadEnd).toMillis() / 1000.0, requested.size(), ends.size(),
                    allEnded ? "" : " (TIMED OUT)");
            out.println("faults injected:");
            injector.injected().forEach(fault -> out.println("  " + fault));
            out.flush();
            ensureRunning(system);

            List<String> runErrors = new ArrayList<>();
            if (!allEnded) {
                runErrors.add("the run timed out after " + settings.runTimeout() + " with migrations not ended");
            }
            injector.unexpectedDeaths().forEach(death -> runErrors.add("component died by itself: " + death));
            if (injector.injected().size() < schedule.faults().size()) {
                runErrors.add("only " + injector.injected().size() + " of " + schedule.faults().size() + " faults injected");
            }
            FaultRunFigures figures = FaultRunFigures.of(loadStart, ends, faultsFrom, injector.injected());
            EndState end = EndState.check(system, requested, injector.duplicates(), injector.injected(), settings.grace(), out);
            out.println();
            figures.printMarkdown(out);
            FaultRunResult result = new FaultRunResult(settings, schedule, injector.injected(), figures, end.report(),
                    runErrors);
            result.printVerdict(out);
            return result;
        }
    }

    /** Whatever the schedule left down or paused is started again before the end state is read. */
    private static void ensureRunning(RunSystem system) {
        for (int node : system.cluster().nodeIds()) {
            if (!system.cluster().isNodeRunning(node)) {
                system.cluster().restartNode(node);
            }
        }
        for (ChildProcess component : system.components()) {
            if (!component.isAlive()) {
                LOG.info("starting {} again before the end checks", component.name());
                component.start();
            }
        }
    }
}
