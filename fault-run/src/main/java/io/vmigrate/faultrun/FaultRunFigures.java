package io.vmigrate.faultrun;

import io.vmigrate.schema.common.MigrationStep;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * What a run measured: throughput of the fault-free first part against the part with faults, latency of each,
 * how the migrations ended, and per kind of fault how long until migrations flowed again: from the injection
 * to the first migration requested at or after it that reached DONE (touching the struck host, for host faults).
 */
public final class FaultRunFigures {

    /** Recovery of one kind of fault over its injections, in milliseconds; {@code unrecovered} saw no DONE after. */
    public record Recovery(FaultKind kind, int injected, long p50Millis, long maxMillis, int unrecovered) {}

    private final double faultFreeRate;
    private final double underFaultsRate;
    private final Histogram faultFreeLatency = new Histogram(3_600_000L, 3);
    private final Histogram underFaultsLatency = new Histogram(3_600_000L, 3);
    private final Map<String, Integer> outcomes = new TreeMap<>();
    private final Map<FaultKind, Recovery> recoveries = new EnumMap<>(FaultKind.class);
    private final int faultFreeCount;
    private final int underFaultsCount;

    private FaultRunFigures(Instant loadStart, List<MigrationEnd> ends, Instant faultsFrom, List<InjectedFault> faults) {
        int early = 0;
        int late = 0;
        Instant lastEnd = loadStart;
        for (MigrationEnd end : ends) {
            String key = end.step() == MigrationStep.ABORTED ? "ABORTED " + end.reason() : end.step().name();
            outcomes.merge(key, 1, Integer::sum);
            boolean faultFree = !end.seenAt().isAfter(faultsFrom);
            long latency = Math.max(1, Duration.between(end.migration().requestedAt(), end.seenAt()).toMillis());
            if (faultFree) {
                early++;
            } else {
                late++;
            }
            if (end.step() == MigrationStep.DONE) {
                (faultFree ? faultFreeLatency : underFaultsLatency).recordValue(Math.min(latency, 3_600_000L));
            }
            if (end.seenAt().isAfter(lastEnd)) {
                lastEnd = end.seenAt();
            }
        }
        faultFreeCount = early;
        underFaultsCount = late;
        faultFreeRate = rate(early, loadStart, faultsFrom);
        underFaultsRate = rate(late, faultsFrom, lastEnd);
        Map<FaultKind, List<Long>> byKind = new EnumMap<>(FaultKind.class);
        Map<FaultKind, Integer> unrecovered = new EnumMap<>(FaultKind.class);
        for (InjectedFault fault : faults) {
            Optional<Long> recovery = recovery(fault, ends);
            byKind.computeIfAbsent(fault.scheduled().kind(), k -> new ArrayList<>());
            recovery.ifPresentOrElse(ms -> byKind.get(fault.scheduled().kind()).add(ms),
                    () -> unrecovered.merge(fault.scheduled().kind(), 1, Integer::sum));
        }
        byKind.forEach((kind, values) -> {
            List<Long> sorted = values.stream().sorted().toList();
            int lost = unrecovered.getOrDefault(kind, 0);
            recoveries.put(kind, new Recovery(kind, sorted.size() + lost,
                    sorted.isEmpty() ? -1 : sorted.get((sorted.size() - 1) / 2), sorted.isEmpty() ? -1 : sorted.get(sorted.size() - 1), lost));
        });
    }

    public static FaultRunFigures of(Instant loadStart, List<MigrationEnd> ends, Instant faultsFrom, List<InjectedFault> faults) {
        return new FaultRunFigures(loadStart, ends, faultsFrom, faults);
    }

    static Optional<Long> recovery(InjectedFault fault, List<MigrationEnd> ends) {
        return ends.stream()
                .filter(end -> end.step() == MigrationStep.DONE)
                .filter(end -> !end.migration().requestedAt().isBefore(fault.injectedAt()))
                .filter(end -> fault.host().map(end::touches).orElse(true))
                .map(end -> Duration.between(fault.injectedAt(), end.seenAt()).toMillis())
                .min(Long::compare);
    }

    private static double rate(int count, Instant from, Instant to) {
        double seconds = Duration.between(from, to).toMillis() / 1000.0;
        return seconds <= 0 ? 0 : count / seconds;
    }

    public double faultFreeRate() {
        return faultFreeRate;
    }

    public double underFaultsRate() {
        return underFaultsRate;
    }

    public Map<FaultKind, Recovery> recoveries() {
        return Map.copyOf(recoveries);
    }

    public Map<String, Integer> outcomes() {
        return Map.copyOf(outcomes);
    }

    /** The figures as Markdown tables, for the console and for {@code BENCHMARKS.md}. */
    public void printMarkdown(PrintWriter out) {
        out.println("| part of the run | migrations ended | throughput (migrations/s) | DONE latency p50 | p99 | max |");
        out.println("|---|---:|---:|---:|---:|---:|");
        row(out, "fault-free (yardstick)", faultFreeCount, faultFreeRate, faultFreeLatency);
        row(out, "under faults", underFaultsCount, underFaultsRate, underFaultsLatency);
        out.printf("%nthroughput under faults / fault-free: **%.2f**%n%n", faultFreeRate == 0 ? 0 : underFaultsRate / faultFreeRate);
        out.println("| fault | injected | recovery p50 | recovery max | no DONE after |");
        out.println("|---|---:|---:|---:|---:|");
        recoveries.values().forEach(r -> out.printf("| %s | %d | %s | %s | %d |%n", r.kind(), r.injected(),
                seconds(r.p50Millis()), seconds(r.maxMillis()), r.unrecovered()));
        out.println();
        out.println("| outcome | migrations |");
        out.println("|---|---:|");
        outcomes.forEach((outcome, count) -> out.printf("| %s | %d |%n", outcome, count));
        out.flush();
    }

    private static void row(PrintWriter out, String name, int count, double rate, Histogram latency) {
        out.printf("| %s | %d | %.2f | %s | %s | %s |%n", name, count, rate,
                seconds(latency.getTotalCount() == 0 ? -1 : latency.getValueAtPercentile(50)),
                seconds(latency.getTotalCount() == 0 ? -1 : latency.getValueAtPercentile(99)),
                seconds(latency.getTotalCount() == 0 ? -1 : latency.getMaxValue()));
    }

    private static String seconds(long millis) {
        return millis < 0 ? "n/a" : String.format("%.2f s", millis / 1000.0);
    }
}
