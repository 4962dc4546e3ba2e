package io.vmigrate.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU time of this JVM and per thread over an interval, to tell a saturated thread (a bottleneck of one core) from a
 * system that waits: a thread near 100 % of the interval's wall time bounds everything that passes through it.
 */
final class ThreadCpu {

    private final ThreadMXBean bean;
    private final Map<Long, Long> cpuAtStart;
    private final long wallAtStart;
    private final long processCpuAtStart;

    private ThreadCpu(ThreadMXBean bean, Map<Long, Long> cpuAtStart, long wallAtStart) {
        this.bean = bean;
        this.cpuAtStart = cpuAtStart;
        this.wallAtStart = wallAtStart;
        this.processCpuAtStart = processCpuNanos();
    }

    /** This JVM's CPU time since {@link #start()} ÷ (wall time × cores): 1.0 is every core busy. */
    double processShare() {
        return (processCpuNanos() - processCpuAtStart)
                / ((double) (System.nanoTime() - wallAtStart) * Runtime.getRuntime().availableProcessors());
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static ThreadCpu start() {
        ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        Map<Long, Long> cpu = new HashMap<>();
        for (long id : bean.getAllThreadIds()) {
            cpu.put(id, Math.max(0, bean.getThreadCpuTime(id)));
        }
        return new ThreadCpu(bean, cpu, System.nanoTime());
    }

    /**
     * The {@code count} busiest kinds of thread since {@link #start()} (names with their numbers and ids
     * replaced by {@code #}, so a pool counts once), as a Markdown table of CPU ÷ wall time.
     */
    String busiest(int count) {
        double wall = System.nanoTime() - wallAtStart;
        record Busy(String name, double share) {}
        Map<String, Double> byKind = new HashMap<>();
        Map<String, Integer> threadsOfKind = new HashMap<>();
        for (long id : bean.getAllThreadIds()) {
            long now = bean.getThreadCpuTime(id);
            ThreadInfo info = bean.getThreadInfo(id);
            if (now > 0 && info != null) {
                String kind = info.getThreadName()
                        .replaceAll("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "#")
                        .replaceAll("[0-9]+", "#");
                byKind.merge(kind, (now - cpuAtStart.getOrDefault(id, 0L)) / wall, Double::sum);
                threadsOfKind.merge(kind, 1, Integer::sum);
            }
        }
        List<Busy> busy = new ArrayList<>();
        byKind.forEach((kind, share) -> busy.add(new Busy(kind + " (" + threadsOfKind.get(kind) + ")", share)));
        busy.sort((a, b) -> Double.compare(b.share(), a.share()));
        StringBuilder out = new StringBuilder(String.format(
                "%nBusiest threads during the throughput rounds (CPU time ÷ wall time; 100 %% = one core; "
                        + "threads of a kind in brackets):%n%n| thread | CPU |%n| --- | ---: |%n"));
        for (Busy thread : busy.subList(0, Math.min(count, busy.size()))) {
            out.append(String.format("| %s | %.0f %% |%n", thread.name(), thread.share() * 100));
        }
        return out.toString();
    }
}
