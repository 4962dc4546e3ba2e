package io.vmigrate.benchmarks;

import io.vmigrate.forensics.ClusterLogSource;
import io.vmigrate.forensics.ExportFileSource;
import io.vmigrate.forensics.LogExporter;
import io.vmigrate.forensics.ReplayEngine;
import io.vmigrate.forensics.ReplayResult;
import io.vmigrate.embedded.EmbeddedSystem;
import io.vmigrate.cli.operator.Operator;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import io.vmigrate.trust.Suite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Replay throughput: runs migrations on an embedded system until the log holds a few thousand
 * records, exports it, then replays the file several times and prints records per second.
 * Usage: {@code ReplayBenchmark [migrations (default 150)] [suite gm|intl (default gm)] [rounds (default 5)]}.
 */
public final class ReplayBenchmark {

    private ReplayBenchmark() {}

    public static void main(String[] args) throws Exception {
        int migrations = args.length > 0 ? Integer.parseInt(args[0]) : 150;
        Suite suite = args.length > 1 ? Suite.parse(args[1]) : Suite.GM;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        Path dir = Files.createTempDirectory("vmigrate-replay-bench");
        Path file = dir.resolve("export.avro");
        var publicKey = runAndExport(dir.resolve("system"), file, migrations, suite);
        List<Double> rates = new ArrayList<>();
        ReplayResult last = null;
        for (int round = 0; round <= rounds; round++) {
            long start = System.nanoTime();
            last = ReplayEngine.replay(new ExportFileSource(file), Optional.of(publicKey), Optional.empty(),
                    ReplayEngine.DEFAULT_CLOCK_SKEW);
            double seconds = (System.nanoTime() - start) / 1e9;
            if (round > 0) {
                rates.add(last.recordsRead() / seconds);
            }
        }
        rates.sort(Double::compare);
        var log = org.slf4j.LoggerFactory.getLogger(ReplayBenchmark.class);
        log.info(String.format("replay of %d records (%d migrations, suite %s, %d anomalies), file %d bytes",
                last.recordsRead(), last.migrations(), suite, last.anomalies().size(), Files.size(file)));
        log.info(String.format("records/s over %d rounds: median %.0f, min %.0f, max %.0f", rates.size(),
                rates.get(rates.size() / 2), rates.get(0), rates.get(rates.size() - 1)));
        log.info(String.format("machine: %d cores, %s %s, Java %s", Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"), System.getProperty("os.arch"), Runtime.version()));
    }

    private static io.vmigrate.trust.PublicKeyHandle runAndExport(Path dataDir, Path file, int migrations, Suite suite)
            throws Exception {
        try (EmbeddedSystem system = EmbeddedSystem.builder().dataDir(dataDir).hosts(3).vmsPerHost(4).suite(suite)
                .defaultDeadline(Duration.ofSeconds(60)).build().start()) {
            Operator operator = system.operator();
            List<String> hosts = system.hostIds();
            Map<String, String> where = new TreeMap<>();
            Map<String, VmInventoryEntry> bindings = system.awaitBindings(system.sampleVmIds(), Duration.ofSeconds(60));
            bindings.forEach((vm, entry) -> where.put(vm, entry.getBinding().getHostId()));
            List<String> vms = new ArrayList<>(where.keySet());
            for (int i = 0; i < migrations; i++) {
                String vm = vms.get(i % vms.size());
                String to = hosts.get((hosts.indexOf(where.get(vm)) + 1) % hosts.size());
                var request = operator.newRequest(vm, to, Optional.empty(), Optional.empty(), "replay-benchmark");
                if (operator.sendAndAwait(request, Duration.ofSeconds(120), step -> { }).isEmpty()) {
                    throw new IllegalStateException("migration " + request.getMigrationId() + " did not end");
                }
                where.put(vm, to);
            }
            try (var source = ClusterLogSource.open(system.clientProperties(), null, null)) {
                LogExporter.export(source, file, Instant.now(), system.bootstrapServers(), "benchmark");
            }
            return system.center().centerPublicKey();
        }
    }
}
