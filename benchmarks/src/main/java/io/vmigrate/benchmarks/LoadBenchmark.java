package io.vmigrate.benchmarks;

import io.vmigrate.common.io.AtomicFiles;
import io.vmigrate.embedded.EmbeddedSystem;
import io.vmigrate.trust.Suite;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.slf4j.LoggerFactory;

/**
 * Sustained load on the embedded system (one JVM: broker, center, 3 hosts, load generator), with the same
 * run's yardsticks (raw hop, crypto-bound rate):
 *
 * <ul>
 *   <li>{@code curve}: after a warm-up, closed loops of 1 … 90 migrations in flight find the peak throughput;
 *   open loops at 10 %, 50 % and 90 % of that peak give request→DONE latency at those loads. Writes a
 *   Markdown table and the latency–throughput plot as SVG.</li>
 *   <li>{@code scale}: a system of {@code hosts} × {@code vms-per-host}, every VM migrating at once: memory idle and
 *   with all in flight, per host and per migration in flight, and that round's throughput.</li>
 *   <li>{@code ceiling}: the bare exactly-once pipeline of the protocol's message graph alone ({@link ExactlyOnceCeiling}),
 *   which {@code curve} also runs.</li>
 *   <li>{@code flat}: one uninterrupted closed loop of {@code migrations} migrations, reported per block:
 *   throughput, the JVM's resident memory and heap after the last collection, disk used by the broker, the
 *   center and each host.</li>
 * </ul>
 *
 * <p>Run: {@code java -cp 'benchmarks/target/classes:benchmarks/target/lib/*' io.vmigrate.benchmarks.LoadBenchmark
 * curve [gm|intl] [out-dir]}, {@code … flat [gm|intl] [migrations] [block] [out-dir]}, {@code … scale [gm|intl] hosts
 * vms-per-host [out-dir]} or {@code … ceiling [gm|intl] [out-dir]}.
 */
public final class LoadBenchmark {

    private static final Duration WARM_UP = Duration.ofSeconds(40);
    private static final Duration RAMP = Duration.ofSeconds(5);
    private static final Duration CLOSED_WINDOW = Duration.ofSeconds(20);
    private static final Duration OPEN_WINDOW = Duration.ofSeconds(30);
    private static final Duration DRAIN = Duration.ofMinutes(3);
    private static final int[] CONCURRENCY = {1, 3, 10, 30, 90};
    private static final double[] LOAD_FRACTIONS = {0.1, 0.5, 0.9};
    private static final int[] CEILING_CONCURRENCY = {1, 10, 30, 90};
    private static final int CEILING_VMS = 90;
    private static final Duration CEILING_WARM_UP = Duration.ofSeconds(20);
    private static final Duration SCALE_WINDOW = Duration.ofSeconds(60);
    private static final Duration SCALE_DRAIN = Duration.ofMinutes(45);

    private LoadBenchmark() {}

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "curve";
        Suite suite = Suite.parse(args.length > 1 ? args[1] : "gm");
        Path dataDir = Files.createTempDirectory("vmigrate-load");
        String report;
        Path out;
        EmbeddedSystem.Builder builder = EndToEndBenchmark.systemBuilder(suite, dataDir);
        if (mode.equals("scale")) {
            // Every VM in flight at once: each waits behind all the others, so the deadline must cover the whole round.
            builder.hosts(Integer.parseInt(args[2])).vmsPerHost(Integer.parseInt(args[3])).defaultDeadline(Duration.ofMinutes(50))
                    .readyTimeout(Duration.ofMinutes(30));
        }
        long startNanos = System.nanoTime();
        try (EmbeddedSystem system = builder.build().start();
                LoadGenerator load = new LoadGenerator(system)) {
            if (mode.equals("curve")) {
                out = Path.of(args.length > 2 ? args[2] : "benchmarks/target");
                report = curve(system, load, suite, out, dataDir);
            } else if (mode.equals("flat")) {
                long migrations = args.length > 2 ? Long.parseLong(args[2]) : 100_000;
                long block = args.length > 3 ? Long.parseLong(args[3]) : 10_000;
                out = Path.of(args.length > 4 ? args[4] : "benchmarks/target");
                Files.createDirectories(out);
                // Each block's row is appended as it is measured, so a run stopped early still tells what it saw.
                Path progress = out.resolve("load-flat-" + suite.name().toLowerCase() + ".progress.md");
                report = flat(system, load, suite, migrations, block, dataDir, progress);
            } else if (mode.equals("scale")) {
                out = Path.of(args.length > 4 ? args[4] : "benchmarks/target");
                report = scale(system, load, suite, (System.nanoTime() - startNanos) / 1e9);
            } else if (mode.equals("ceiling")) {
                out = Path.of(args.length > 2 ? args[2] : "benchmarks/target");
                report = ceilingTable(ceiling(system, dataDir));
            } else {
                throw new IllegalArgumentException("mode is curve, flat, scale or ceiling, not " + mode);
            }
        } finally {
            AtomicFiles.deleteTree(dataDir);
        }
        Files.createDirectories(out);
        Path file = out.resolve("load-" + mode + "-" + suite.name().toLowerCase() + ".md");
        Files.writeString(file, report);
        LoggerFactory.getLogger(LoadBenchmark.class).info("load figures written to {}:\n{}", file, report);
    }

    /**
     * The bare exactly-once pipeline's closed loops ({@link ExactlyOnceCeiling}), after its own warm-up, on the
     * same broker while the system idles.
     */
    static List<LoadGenerator.Window> ceiling(EmbeddedSystem system, Path dataDir) throws Exception {
        List<LoadGenerator.Window> windows = new ArrayList<>();
        try (ExactlyOnceCeiling ceiling = new ExactlyOnceCeiling(system, ExactlyOnceCeiling.stateDir(dataDir),
                EndToEndBenchmark.centerSettings(System.getProperties())).start()) {
            ceiling.closedLoop(CEILING_VMS, CEILING_VMS, CEILING_WARM_UP);
            for (int concurrency : CEILING_CONCURRENCY) {
                ceiling.closedLoop(CEILING_VMS, concurrency, RAMP);
                windows.add(ceiling.closedLoop(CEILING_VMS, concurrency, CLOSED_WINDOW));
            }
        }
        return windows;
    }

    private static String ceilingTable(List<LoadGenerator.Window> windows) {
        StringBuilder md = new StringBuilder();
        md.append(String.format("The ceiling of the same run: the protocol's message graph as a bare exactly-once pipeline on the "
                + "same broker (no crypto, zones, fsync or hypervisor; %d B messages, %d B audit records, %d B state):%n%n",
                ExactlyOnceCeiling.MESSAGE_BYTES, ExactlyOnceCeiling.AUDIT_BYTES, ExactlyOnceCeiling.STATE_BYTES));
        md.append("| load | window | DONE | throughput | p50 | p99 |\n");
        md.append("| --- | ---: | ---: | ---: | ---: | ---: |\n");
        for (LoadGenerator.Window w : windows) {
            md.append(String.format("| %s | %.0f s | %d | %.1f /s | %.1f ms | %.1f ms |%n", w.load(), w.seconds(), w.completed(),
                    w.throughput(), w.p50Millis(), w.p99Millis()));
        }
        return md.toString();
    }

    static String curve(EmbeddedSystem system, LoadGenerator load, Suite suite, Path out, Path dataDir) throws Exception {
        Histogram hop = EndToEndBenchmark.rawHop(system);
        double hopP50 = hop.getValueAtPercentile(50) / 1e6;
        load.closedLoop(load.vms(), WARM_UP);
        load.drain(DRAIN);
        List<LoadGenerator.Window> closed = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        for (int concurrency : CONCURRENCY) {
            load.closedLoop(Math.min(concurrency, load.vms()), RAMP); // reach the steady state before measuring
            ThreadCpu use = ThreadCpu.start();
            closed.add(load.closedLoop(Math.min(concurrency, load.vms()), CLOSED_WINDOW));
            cpu.add(use.processShare());
            load.drain(DRAIN);
        }
        double peak = closed.stream().mapToDouble(LoadGenerator.Window::throughput).max().orElseThrow();
        List<LoadGenerator.Window> open = new ArrayList<>();
        for (double fraction : LOAD_FRACTIONS) {
            load.openLoop(peak * fraction, RAMP);
            ThreadCpu use = ThreadCpu.start();
            open.add(load.openLoop(peak * fraction, OPEN_WINDOW));
            cpu.add(use.processShare());
            load.drain(DRAIN);
        }
        List<LoadGenerator.Window> ceiling = ceiling(system, dataDir);
        double ceilingPeak = ceiling.stream().mapToDouble(LoadGenerator.Window::throughput).max().orElseThrow();
        double cryptoBound = EndToEndBenchmark.cryptoBoundMigrationsPerSecond(suite);
        SignatureCount counted = SignatureCount.of(system.clientProperties(), system.topics(), system.hostIds());
        int signs = (int) Math.round(counted.signsPerMigration());
        int verifies = (int) Math.round(counted.verifiesPerMigration());
        double countedBound = EndToEndBenchmark.cryptoBoundMigrationsPerSecond(suite, signs, verifies);
        double floor = EndToEndBenchmark.SEQUENTIAL_HOPS * hopP50;

        String name = suite.name().toLowerCase();
        Path svg = out.resolve("latency-throughput-" + name + ".svg");
        Files.createDirectories(out);
        Files.writeString(svg, plot(name, closed, open, ceiling.get(0).p50Millis(), floor));

        StringBuilder md = new StringBuilder();
        md.append(String.format("### Latency and throughput under sustained load, suite %s%n%n", name));
        Map<String, String> tried = EndToEndBenchmark.centerSettings(System.getProperties());
        if (!tried.isEmpty()) {
            md.append("Center settings of this run: ").append(tried).append("\n\n");
        }
        md.append(String.format("Warm-up %d s at %d in flight, then each window measured alone after a %d s ramp at its load "
                + "(the system drained between windows). Throughput = migrations that reached DONE in the window ÷ its length; latency = "
                + "request sent → DONE read from `migration.audit`, of those migrations.%n%n", WARM_UP.toSeconds(), load.vms(), RAMP.toSeconds()));
        md.append("| load | window | DONE | failed | not started | throughput | p50 | p99 | CPU busy |\n");
        md.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        List<LoadGenerator.Window> all = new ArrayList<>(closed);
        all.addAll(open);
        for (int i = 0; i < all.size(); i++) {
            LoadGenerator.Window w = all.get(i);
            md.append(String.format("| %s | %.0f s | %d | %d | %d | %.1f /s | %.1f ms | %.1f ms | %.0f %% |%n", w.load(),
                    w.seconds(), w.completed(), w.failed(), w.notStarted(), w.throughput(), w.p50Millis(), w.p99Millis(),
                    cpu.get(i) * 100));
        }
        LoadGenerator.Window low = closed.get(0);
        md.append(String.format("%nYardsticks of the same run: raw hop p50 %.3f ms (× %d sequential hops = %.1f ms); "
                + "crypto-bound rate %.0f migrations/s with the assumed %d signs + %d verifies per migration, %.0f /s "
                + "with the %d signs + %d verifies counted on this run's topics (%.1f + %.1f over %d migrations).%n",
                hopP50, EndToEndBenchmark.SEQUENTIAL_HOPS, floor, cryptoBound, EndToEndBenchmark.SIGNS,
                EndToEndBenchmark.VERIFIES, countedBound, signs, verifies, counted.signsPerMigration(),
                counted.verifiesPerMigration(), counted.migrations()));
        md.append(String.format("Ratios: peak throughput ÷ crypto-bound rate = %.3f (÷ the counted one: %.3f); one in "
                + "flight, p50 ÷ (hops × hop p50) = %.1f, p99 ÷ (hops × hop p50) = %.1f.%n", peak / cryptoBound,
                peak / countedBound, low.p50Millis() / floor, low.p99Millis() / floor));
        md.append("\n").append(ceilingTable(ceiling));
        LoadGenerator.Window ceilingLow = ceiling.get(0);
        md.append(String.format("%nAgainst that ceiling: peak throughput ÷ ceiling peak = %.3f (%.1f ÷ %.1f /s); one in flight, "
                + "p50 ÷ ceiling p50 = %.1f (%.1f ÷ %.1f ms), p99 ÷ ceiling p99 = %.1f; the ceiling's own p50 ÷ (hops × hop p50) = %.1f.%n",
                peak / ceilingPeak, peak, ceilingPeak, low.p50Millis() / ceilingLow.p50Millis(), low.p50Millis(),
                ceilingLow.p50Millis(), low.p99Millis() / ceilingLow.p99Millis(), ceilingLow.p50Millis() / floor));
        md.append(String.format("%n![latency against throughput, suite %s](%s)%n", name, svg.getFileName()));
        return md.toString();
    }

    private static String plot(String suite, List<LoadGenerator.Window> closed, List<LoadGenerator.Window> open,
            double ceilingP50, double floor) {
        SvgPlot plot = new SvgPlot("vmigrate " + suite + ": request→DONE latency against throughput (one JVM, 2 cores)",
                "migrations/s (DONE)", "latency, ms (log)");
        plot.add(new SvgPlot.Series("open loop p50", "#1f77b4", true, points(open, false)));
        plot.add(new SvgPlot.Series("open loop p99", "#d62728", true, points(open, true)));
        plot.add(new SvgPlot.Series("closed loop p50", "#9ecae1", false, points(closed, false)));
        plot.add(new SvgPlot.Series("closed loop p99", "#f4a6a6", false, points(closed, true)));
        double xMax = closed.stream().mapToDouble(LoadGenerator.Window::throughput).max().orElse(1);
        plot.add(new SvgPlot.Series(String.format("2 x hop floor (%.0f ms)", 2 * floor), "#2ca02c", true,
                List.of(new double[] {0, 2 * floor}, new double[] {xMax, 2 * floor})));
        // The ceiling's throughput is far right of the system's; its latency at one in flight is the line to read.
        plot.add(new SvgPlot.Series(String.format("bare exactly-once ceiling, p50 at 1 in flight (%.0f ms)", ceilingP50), "#7f7f7f",
                true, List.of(new double[] {0, ceilingP50}, new double[] {xMax, ceilingP50})));
        return plot.render();
    }

    private static List<double[]> points(List<LoadGenerator.Window> windows, boolean p99) {
        return windows.stream().map(w -> new double[] {w.throughput(), p99 ? w.p99Millis() : w.p50Millis()}).toList();
    }

    static String flat(EmbeddedSystem system, LoadGenerator load, Suite suite, long migrations, long block, Path dataDir,
            Path progress) throws IOException {
        StringBuilder md = new StringBuilder();
        md.append(String.format("### %d migrations through one system, suite %s, %d in flight%n%n", migrations,
                suite.name().toLowerCase(), load.vms()));
        md.append("| migrations | block throughput | block p50 | block p99 | JVM RSS | heap after GC | disk: broker | center | hosts (each) |\n");
        md.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
        md.append(String.format("| 0 | | | | %s | %s | %s |%n", mib(rssBytes()), mib(heapAfterGcBytes()), disk(dataDir)));
        Files.writeString(progress, md);
        List<Double> rates = new ArrayList<>();
        long startedAt = System.nanoTime();
        for (long done = 0; done < migrations; done += block) {
            LoadGenerator.Window w = load.closedLoopFor(load.vms(), Math.min(block, migrations - done));
            rates.add(w.throughput());
            String row = String.format("| %d | %.1f /s | %.0f ms | %.0f ms | %s | %s | %s |%n", load.totalCompleted(),
                    w.throughput(), w.p50Millis(), w.p99Millis(), mib(rssBytes()), mib(heapAfterGcBytes()), disk(dataDir));
            md.append(row);
            Files.writeString(progress, row, java.nio.file.StandardOpenOption.APPEND);
            LoggerFactory.getLogger(LoadBenchmark.class).info("flatness run: {} migrations, last block {} /s",
                    load.totalCompleted(), String.format("%.1f", w.throughput()));
        }
        load.drain(DRAIN);
        md.append(String.format("%nLast block ÷ first block throughput = %.2f; %d migrations in %.1f min (%d failed).%n",
                rates.get(rates.size() - 1) / rates.get(0), load.totalCompleted(), (System.nanoTime() - startedAt) / 6e10,
                load.totalFailed()));
        return md.toString();
    }

    /**
     * Every VM of a system of many hosts migrating at once: memory idle and with all of them in flight (heap after
     * a forced collection, so what is retained), throughput and latency of that round, and the resulting memory
     * per host (an upper bound: the broker and the center are counted in) and per migration in flight.
     */
    static String scale(EmbeddedSystem system, LoadGenerator load, Suite suite, double startSeconds) {
        int hosts = system.hostIds().size();
        int vms = load.vms();
        long idleHeap = heapAfterForcedGc();
        long idleRss = rssBytes();
        int idleThreads = Thread.activeCount();
        LoadGenerator.Window round = load.closedLoop(vms, SCALE_WINDOW);
        int inFlight = load.inFlightCount();
        long busyHeap = heapAfterForcedGc();
        long busyRss = rssBytes();
        load.drain(SCALE_DRAIN);
        long drainedHeap = heapAfterForcedGc();
        StringBuilder md = new StringBuilder();
        md.append(String.format("### Scale: %d hosts, %d VMs, all in flight at once, suite %s%n%n", hosts, vms,
                suite.name().toLowerCase()));
        md.append("| measure | value |\n| --- | ---: |\n");
        md.append(String.format("| start (broker, center, %d hosts enrolled, %d VMs registered) | %.0f s |%n", hosts, vms, startSeconds));
        md.append(String.format("| threads (idle) | %d |%n", idleThreads));
        md.append(String.format("| heap after GC, idle / %d in flight / drained | %s / %s / %s |%n", inFlight, mib(idleHeap),
                mib(busyHeap), mib(drainedHeap)));
        md.append(String.format("| JVM RSS, idle / in flight | %s / %s |%n", mib(idleRss), mib(busyRss)));
        md.append(String.format("| heap per host (idle heap ÷ hosts, broker and center included) | %s |%n", kib(idleHeap / hosts)));
        // The round also leaves history behind (remembered commands, replies, facts): the drained heap tells it apart.
        md.append(String.format("| heap per migration in flight: (in flight − idle) ÷ in flight; (in flight − drained) ÷ in flight | %s; %s |%n",
                kib(inFlight == 0 ? 0 : (busyHeap - idleHeap) / inFlight), kib(inFlight == 0 ? 0 : (busyHeap - drainedHeap) / inFlight)));
        md.append(String.format("| round of %.0f s: DONE, throughput, p50, p99 | %d, %.1f /s, %.0f ms, %.0f ms |%n",
                round.seconds(), round.completed(), round.throughput(), round.p50Millis(), round.p99Millis()));
        return md.toString();
    }

    private static long heapAfterForcedGc() {
        System.gc(); // a measurement, not a tuning: what the system retains at this instant
        return heapAfterGcBytes();
    }

    private static String kib(long bytes) {
        return String.format("%.1f KiB", bytes / 1024.0);
    }

    private static long rssBytes() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
            return lines.filter(line -> line.startsWith("VmRSS:")).findFirst()
                    .map(line -> Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024).orElse(-1L);
        } catch (IOException e) {
            return -1;
        }
    }

    /** Heap in use after the most recent collection of each pool: what the run retains, not its garbage. */
    private static long heapAfterGcBytes() {
        long used = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null) {
                used += pool.getCollectionUsage().getUsed();
            }
        }
        return used;
    }

    /** Disk used by the broker, the center and each host (agent and secure zone state), from the data directory. */
    private static String disk(Path dataDir) throws IOException {
        Map<String, Long> hosts = new TreeMap<>();
        Path hostsDir = dataDir.resolve("hosts");
        if (Files.isDirectory(hostsDir)) {
            try (Stream<Path> each = Files.list(hostsDir)) {
                for (Path host : each.toList()) {
                    hosts.put(host.getFileName().toString(), bytes(host));
                }
            }
        }
        List<String> perHost = hosts.entrySet().stream().map(e -> e.getKey() + " " + mib(e.getValue())).toList();
        return mib(bytes(dataDir.resolve("node-0"))) + " | " + mib(bytes(dataDir.resolve("center"))) + " | "
                + String.join(", ", perHost);
    }

    /**
     * Disk space the directory's files take ({@code du -sk}: allocated blocks, so the broker's preallocated,
     * sparse index files count for what they hold, not their 10 MiB length); their apparent size if du is absent.
     */
    private static long bytes(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try {
            Process du = new ProcessBuilder("du", "-sk", dir.toString()).redirectErrorStream(false).start();
            String out = new String(du.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (du.waitFor() == 0 || !out.isBlank()) {
                return Long.parseLong(out.trim().split("\\s+")[0]) * 1024;
            }
        } catch (IOException | NumberFormatException e) {
            // no du here: fall back to the apparent size
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long total = 0;
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : (Iterable<Path>) paths.filter(Files::isRegularFile)::iterator) {
                try {
                    total += Files.size(path);
                } catch (IOException e) {
                    // removed while walking (a rolled segment, a compaction)
                }
            }
        } catch (java.io.UncheckedIOException e) {
            // a directory removed while walking: what was counted stands
        }
        return total;
    }

    private static String mib(long bytes) {
        return bytes < (10 << 20) ? String.format("%.0f KiB", bytes / 1024.0)
                : String.format("%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
