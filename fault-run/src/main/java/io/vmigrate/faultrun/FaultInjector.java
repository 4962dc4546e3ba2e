package io.vmigrate.faultrun;

import io.vmigrate.faultrun.process.ChildProcess;
import io.vmigrate.schema.topic.Topics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the schedule against the running system, one fault at a time, each when enough migrations have
 * ended; between faults it watches every component, and one that dies by itself is a finding (recorded, then
 * restarted so the run can go on). Outages are wall-clock waits by design: they are the fault.
 */
final class FaultInjector implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(FaultInjector.class);
    private static final Duration WATCH_INTERVAL = Duration.ofMillis(200);

    private final RunSystem system;
    private final MigrationLoad load;
    private final FaultSchedule schedule;
    private final Redelivery redelivery;
    private final Clock clock = Clock.systemUTC();
    private final List<InjectedFault> injected = new ArrayList<>();
    private final List<InjectedDuplicate> duplicates = new ArrayList<>();
    private final List<String> unexpectedDeaths = new ArrayList<>();
    private volatile boolean stopping;
    private volatile int restored;

    FaultInjector(RunSystem system, MigrationLoad load, FaultSchedule schedule) {
        this.system = system;
        this.load = load;
        this.schedule = schedule;
        this.redelivery = new Redelivery(system.adminClient());
    }

    @Override
    public void run() {
        try {
            for (ScheduledFault fault : schedule.faults()) {
                while (!stopping && load.endedCount() < fault.afterEnded()) {
                    watch();
                    pause(WATCH_INTERVAL);
                }
                if (stopping) {
                    LOG.warn("run ended before fault #{} ({}); not injected", fault.number(), fault.kind());
                    continue;
                }
                pause(fault.jitter());
                InjectedFault done = inject(fault);
                synchronized (this) {
                    injected.add(done);
                }
                restored++;
                LOG.info("fault {}", done);
            }
            while (!stopping) {
                watch();
                pause(WATCH_INTERVAL);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Whether the load may request migration {@code number}: not more than {@code slack} requests past the trigger
     * of the next fault not yet restored, so a fault always strikes (and lasts) while migrations are in flight.
     */
    boolean mayRequest(int number, int slack) {
        int next = restored;
        return stopping || next >= schedule.faults().size() || number < schedule.faults().get(next).afterEnded() + slack;
    }

    void stop() {
        stopping = true;
    }

    synchronized List<InjectedFault> injected() {
        return List.copyOf(injected);
    }

    synchronized List<InjectedDuplicate> duplicates() {
        return List.copyOf(duplicates);
    }

    synchronized List<String> unexpectedDeaths() {
        return List.copyOf(unexpectedDeaths);
    }

    /** A component down without the schedule having downed it: recorded, then started again. */
    void watch() {
        for (ChildProcess component : system.components()) {
            if (component.diedUnexpectedly()) {
                String death = clock.instant() + " " + component.exitDescription();
                LOG.error("component died by itself: {}", death);
                synchronized (this) {
                    unexpectedDeaths.add(death);
                }
                component.start();
            }
        }
    }

    /** Kills a host's agent or zone while its host has migrations in flight, and starts it again after the outage. */
    private InjectedFault bounceHostProcess(ScheduledFault fault, Instant at, String what,
            Function<String, ChildProcess> processOf) throws InterruptedException {
        String host = hostInFlight(fault.target());
        long inFlight = inFlightOn(host);
        ChildProcess process = processOf.apply(host);
        process.kill();
        pauseWatching(fault.outage());
        process.start();
        return new InjectedFault(fault, host, at, clock.instant(), what + " kill -9 with " + inFlight
                + " migrations of the host in flight, restarted");
    }

    private InjectedFault inject(ScheduledFault fault) throws InterruptedException {
        Instant at = clock.instant();
        return switch (fault.kind()) {
            case BROKER -> bounceBroker(fault, Integer.parseInt(fault.target().substring("node-".length())), at);
            case ACTIVE_CONTROLLER -> bounceBroker(fault, activeController(), at);
            case CENTER -> {
                ChildProcess center = system.centers().get(Integer.parseInt(fault.target().substring("center-".length())));
                center.kill();
                pauseWatching(fault.outage());
                center.start();
                yield new InjectedFault(fault, center.name(), at, clock.instant(), "kill -9, restarted");
            }
            case HOST_AGENT -> bounceHostProcess(fault, at, "agent", system::agent);
            case SECURE_ZONE -> bounceHostProcess(fault, at, "zone", system::zone);
            case REDELIVERY -> {
                String host = fault.target();
                List<InjectedDuplicate> copies = new ArrayList<>(redelivery.copyLast(Topics.hostCommandsTopicName(host), 3));
                copies.addAll(redelivery.copyLast(Topics.HOST_EVENTS, 2));
                synchronized (this) {
                    duplicates.addAll(copies);
                }
                yield new InjectedFault(fault, host, at, clock.instant(), copies.size() + " records copied from "
                        + Topics.hostCommandsTopicName(host) + " and " + Topics.HOST_EVENTS);
            }
            case DELAYED_REPLIES -> {
                String host = hostInFlight(fault.target());
                long inFlight = inFlightOn(host);
                ChildProcess agent = system.agent(host);
                agent.pause();
                pauseWatching(fault.outage());
                agent.resume();
                yield new InjectedFault(fault, host, at, clock.instant(), "agent paused (SIGSTOP) with "
                        + inFlight + " migrations of the host in flight, then resumed with its late replies");
            }
            case DEADLINE_PASSED -> {
                String host = destinationInFlight(fault.target());
                long inFlight = inFlightOn(host);
                ChildProcess agent = system.agent(host);
                agent.kill();
                pauseWatching(fault.outage());
                agent.start();
                Instant restored = clock.instant();
                long passed = load.ends().stream().filter(end -> end.touches(host) && end.reason().contains("DEADLINE_PASSED")
                        && !end.migration().requestedAt().isAfter(restored) && !end.seenAt().isBefore(at)).count();
                yield new InjectedFault(fault, host, at, restored, "destination agent down past the deadline with "
                        + inFlight + " migrations of the host in flight, restarted; " + passed
                        + " migrations of the host aborted at their deadline meanwhile");
            }
        };
    }

    private InjectedFault bounceBroker(ScheduledFault fault, int node, Instant at) throws InterruptedException {
        system.cluster().killNode(node);
        pauseWatching(fault.outage());
        system.cluster().restartNode(node);
        return new InjectedFault(fault, "node-" + node, at, clock.instant(), "kill -9, restarted");
    }

    private int activeController() {
        try (Admin admin = Admin.create(system.adminClient())) {
            return admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS).leaderId();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot find the active controller: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted finding the active controller", e);
        }
    }

    /** The scheduled host if a migration of it is in flight; else the source of the oldest one in flight. */
    private String hostInFlight(String scheduled) {
        List<RequestedMigration> inFlight = load.inFlight();
        if (inFlight.isEmpty() || inFlight.stream().anyMatch(m -> m.source().equals(scheduled) || m.destination().equals(scheduled))) {
            return scheduled;
        }
        return inFlight.get(0).source();
    }

    /** The scheduled host if it is the destination of a migration in flight; else the oldest one's destination. */
    private String destinationInFlight(String scheduled) {
        List<RequestedMigration> inFlight = load.inFlight();
        if (inFlight.isEmpty() || inFlight.stream().anyMatch(m -> m.destination().equals(scheduled))) {
            return scheduled;
        }
        return inFlight.get(0).destination();
    }

    private long inFlightOn(String host) {
        return load.inFlight().stream().filter(m -> m.source().equals(host) || m.destination().equals(host)).count();
    }

    /** Waits out an outage while still watching the other components. */
    private void pauseWatching(Duration outage) throws InterruptedException {
        long end = System.nanoTime() + outage.toNanos();
        while (System.nanoTime() < end) {
            watch();
            pause(Duration.ofMillis(Math.min(WATCH_INTERVAL.toMillis(), Math.max(1, (end - System.nanoTime()) / 1_000_000))));
        }
    }

    private static void pause(Duration duration) throws InterruptedException {
        Thread.sleep(duration.toMillis());
    }
}
