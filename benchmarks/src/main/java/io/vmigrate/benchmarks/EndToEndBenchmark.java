package io.vmigrate.benchmarks;

import io.vmigrate.common.io.AtomicFiles;
import io.vmigrate.embedded.EmbeddedSystem;
import io.vmigrate.cli.operator.MigrationWatcher;
import io.vmigrate.cli.operator.Operator;
import io.vmigrate.cli.operator.TopicSnapshot;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import io.vmigrate.schema.keys.KeyContexts;
import io.vmigrate.schema.request.MigrationRequested;
import io.vmigrate.trust.Context;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.SecretKeyAccess;
import io.vmigrate.trust.Signer;
import io.vmigrate.trust.Suite;
import io.vmigrate.trust.Verifier;
import io.vmigrate.trust.WrappedKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.LoggerFactory;

/**
 * End-to-end figures measured in one run on the embedded system: the raw produce-to-consume hop on
 * the same broker, request-to-DONE latency one migration at a time, throughput with many concurrent
 * migrations, and the crypto-bound rate of the same machine, with the ratios between them.
 *
 * <p>Run: {@code java -cp 'benchmarks/target/classes:benchmarks/target/lib/*' io.vmigrate.benchmarks.EndToEndBenchmark [gm|intl] [out.md]}
 */
public final class EndToEndBenchmark {

    /**
     * Kafka hops on the critical path of one migration: request → center; CreateTargetVm;
     * TargetVmCreated; DeliverVmKey; KeyInstallReply; MigrationCompleted; DeregisterVm;
     * VmDeregistered; the DONE audit record read by the operator. The source's branch (MigrateOut,
     * VmAttestation, ForwardedVmAttestation) runs in parallel with the destination's first hops.
     */
    static final int SEQUENTIAL_HOPS = 9;

    /** Crypto operations per migration (signatures and verifications across center, agents, zones). */
    static final int SIGNS = 8;
    static final int VERIFIES = 10;

    private static final int HOP_SAMPLES = 2_000;
    private static final int SEQUENTIAL_MIGRATIONS = 40;
    private static final int HOSTS = 3;
    private static final int VMS_PER_HOST = 30;
    private static final int THROUGHPUT_ROUNDS = 3;
    private static final String CENTER_SETTING_PREFIX = "vmigrate.bench.center.";

    private EndToEndBenchmark() {}

    public static void main(String[] args) throws Exception {
        Suite suite = Suite.parse(args.length > 0 ? args[0] : "gm");
        Path report = Path.of(args.length > 1 ? args[1] : "benchmarks/target/end-to-end-" + suite.name().toLowerCase() + ".md");
        Path dataDir = Files.createTempDirectory("vmigrate-bench");
        try (EmbeddedSystem system = systemBuilder(suite, dataDir).build().start()) {
            Histogram hop = rawHop(system);
            Map<String, HopBreakdown.Measured> measured = new HashMap<>();
            Histogram sequential = sequentialMigrations(system, measured);
            String breakdown = HopBreakdown.of(system.clientProperties(), system.topics(), system.hostIds(), measured,
                    "migrations one at a time");
            List<Double> rates = new ArrayList<>();
            Map<String, HopBreakdown.Measured> underLoad = new HashMap<>();
            ThreadCpu threads = ThreadCpu.start();
            for (int round = 0; round < THROUGHPUT_ROUNDS; round++) {
                underLoad.clear();
                rates.add(concurrentMigrations(system, underLoad));
            }
            double cpuShare = threads.processShare();
            breakdown += threads.busiest(16);
            breakdown += HopBreakdown.of(system.clientProperties(), system.topics(), system.hostIds(), underLoad,
                    "migrations of the last concurrent round");
            double cryptoBound = cryptoBoundMigrationsPerSecond(suite);
            String table = report(suite, hop, sequential, rates, cpuShare, cryptoBound) + breakdown;
            Files.createDirectories(report.toAbsolutePath().getParent());
            Files.writeString(report, table);
            LoggerFactory.getLogger(EndToEndBenchmark.class).info("end-to-end figures written to {}:\n{}", report, table);
        } finally {
            AtomicFiles.deleteTree(dataDir);
        }
    }

    /** The system every end-to-end benchmark measures: 3 hosts of 30 VMs, center settings from the command line. */
    static EmbeddedSystem.Builder systemBuilder(Suite suite, Path dataDir) {
        EmbeddedSystem.Builder builder = EmbeddedSystem.builder().dataDir(dataDir).hosts(HOSTS).vmsPerHost(VMS_PER_HOST)
                .suite(suite).defaultDeadline(Duration.ofMinutes(5)).readyTimeout(Duration.ofMinutes(5));
        centerSettings(System.getProperties()).forEach(builder::centerSetting);
        return builder;
    }

    /**
     * Center settings to try, given as system properties {@code -Dvmigrate.bench.center.<setting>=<value>}
     * (e.g. {@code -Dvmigrate.bench.center.streams.max.task.idle.ms=-1}); they are printed in the report.
     */
    static Map<String, String> centerSettings(java.util.Properties properties) {
        Map<String, String> settings = new java.util.TreeMap<>();
        for (String name : properties.stringPropertyNames()) {
            if (name.startsWith(CENTER_SETTING_PREFIX)) {
                settings.put(name.substring(CENTER_SETTING_PREFIX.length()), properties.getProperty(name));
            }
        }
        return settings;
    }

    /** Produce one record and wait for a consumer to see it, one at a time, on a one-partition topic. */
    static Histogram rawHop(EmbeddedSystem system) throws Exception {
        String topic = "bench.hop";
        try (Admin admin = Admin.create(system.clientProperties())) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        Map<String, Object> producerProps = new HashMap<>(system.clientProperties());
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        Map<String, Object> consumerProps = new HashMap<>(TopicSnapshot.consumerProperties(system.clientProperties()));
        consumerProps.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 1);
        Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        try (var producer = new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer());
                var consumer = new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToEnd(List.of(partition));
            consumer.position(partition);
            byte[] payload = new byte[512];
            for (int i = 0; i < HOP_SAMPLES + 200; i++) {
                long start = System.nanoTime();
                producer.send(new ProducerRecord<>(topic, payload));
                int seen = 0;
                while (seen == 0) {
                    seen = consumer.poll(Duration.ofMillis(100)).count();
                }
                if (i >= 200) { // the first ones warm up the JIT and the connections
                    histogram.recordValue(System.nanoTime() - start);
                }
            }
        }
        return histogram;
    }

    /**
     * One migration at a time, each VM to the next host; request sent → DONE seen by the operator. The
     * measured ones go to {@code measured} with their wall-clock times, for {@link HopBreakdown}.
     */
    static Histogram sequentialMigrations(EmbeddedSystem system, Map<String, HopBreakdown.Measured> measured) {
        Operator operator = system.operator();
        Histogram histogram = new Histogram(TimeUnit.MINUTES.toNanos(5), 3);
        List<String> vms = system.sampleVmIds();
        Map<String, String> hostOf = hostsOf(operator);
        // One producer for the whole phase, as a load generator would: the CLI's producer per command would add its
        // connection, metadata and producer-id set-up to every migration, which is the CLI's cost, not the system's.
        var requestTopic = system.topics().migrationRequests();
        Map<String, Object> producerProps = new HashMap<>(system.clientProperties());
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerProps.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        try (var producer = new KafkaProducer<>(producerProps, requestTopic.keySerde().serializer(),
                requestTopic.valueSerde().serializer())) {
            for (int i = 0; i < SEQUENTIAL_MIGRATIONS + 5; i++) {
                String vmId = vms.get(i % vms.size());
                String to = nextHost(system, hostOf.get(vmId));
                MigrationRequested request = operator.newRequest(vmId, to, Optional.of(hostOf.get(vmId)), Optional.empty(), "bench");
                var positions = MigrationWatcher.positionsNow(system.clientProperties());
                try (MigrationWatcher watcher = MigrationWatcher.from(system.clientProperties(), system.topics(), positions)) {
                    var signed = operator.signed(request);
                    long sentAt = System.currentTimeMillis();
                    long start = System.nanoTime();
                    producer.send(new ProducerRecord<>(requestTopic.name(), signed.getSubject(), signed)).get();
                    MigrationWatcher.Outcome outcome = watcher.await(request.getMigrationId(), Duration.ofMinutes(2), step -> { })
                            .orElseThrow(() -> new IllegalStateException("migration " + request.getMigrationId() + " did not end"));
                    long elapsed = System.nanoTime() - start;
                    require(outcome.finalStep() == MigrationStep.DONE, "migration ended " + outcome.finalStep() + ": " + outcome.reason());
                    if (i >= 5) {
                        histogram.recordValue(elapsed);
                        measured.put(request.getMigrationId(), new HopBreakdown.Measured(sentAt, System.currentTimeMillis()));
                    }
                }
                hostOf.put(vmId, to);
            }
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("cannot send a request: " + e, e);
        }
        return histogram;
    }

    /** Every VM migrates to its next host at once; migrations per second from the first request to the last DONE. */
    static double concurrentMigrations(EmbeddedSystem system, Map<String, HopBreakdown.Measured> measured) {
        Operator operator = system.operator();
        Map<String, String> hostOf = hostsOf(operator);
        List<MigrationRequested> requests = new ArrayList<>();
        for (String vmId : system.sampleVmIds()) {
            requests.add(operator.newRequest(vmId, nextHost(system, hostOf.get(vmId)), Optional.of(hostOf.get(vmId)),
                    Optional.empty(), "bench"));
        }
        var positions = MigrationWatcher.positionsNow(system.clientProperties());
        long start = System.nanoTime();
        long sentAt = System.currentTimeMillis();
        operator.sendAll(requests);
        try (MigrationWatcher watcher = MigrationWatcher.from(system.clientProperties(), system.topics(), positions)) {
            for (MigrationRequested request : requests) {
                MigrationWatcher.Outcome outcome = watcher.awaitAny(request.getMigrationId(), Duration.ofMinutes(5))
                        .orElseThrow(() -> new IllegalStateException("migration " + request.getMigrationId() + " did not end"));
                require(outcome.finalStep() == MigrationStep.DONE, "migration ended " + outcome.finalStep() + ": " + outcome.reason());
                measured.put(request.getMigrationId(), new HopBreakdown.Measured(sentAt, System.currentTimeMillis()));
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return requests.size() / seconds;
    }

    /**
     * The same machine's upper bound from crypto alone: one thread doing exactly one migration's crypto
     * ({@value #SIGNS} signs, {@value #VERIFIES} verifies, a VM key generation, a wrap and an unwrap) for a few
     * seconds, times the cores.
     */
    static double cryptoBoundMigrationsPerSecond(Suite suite) throws Exception {
        return cryptoBoundMigrationsPerSecond(suite, SIGNS, VERIFIES);
    }

    /** As {@link #cryptoBoundMigrationsPerSecond(Suite)} with {@code signs} signatures and {@code verifies} verifications. */
    static double cryptoBoundMigrationsPerSecond(Suite suite, int signs, int verifies) throws Exception {
        CryptoSuite crypto = CryptoSuites.get(suite);
        PrivateKeyHandle signing = crypto.generateSigningKey();
        Signer signer = crypto.signer(signing);
        Verifier verifier = crypto.verifier(signing.publicKey());
        PrivateKeyHandle kem = crypto.generateEncapsulationKey();
        var wrapper = crypto.keyWrapper(kem.publicKey());
        var unwrapper = crypto.keyUnwrapper(kem);
        byte[] message = new byte[512];
        Context context = KeyContexts.deliverVmKey("m", "vm", "h");
        var signed = signer.sign(message, context);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
        long warmup = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        long migrations = 0;
        long measuredStart = 0;
        while (System.nanoTime() < deadline) {
            if (measuredStart == 0 && System.nanoTime() >= warmup) {
                measuredStart = System.nanoTime();
                migrations = 0;
            }
            for (int i = 0; i < signs; i++) {
                signed = signer.sign(message, context);
            }
            for (int i = 0; i < verifies; i++) {
                verifier.verify(signed, message, context);
            }
            PrivateKeyHandle vmKey = crypto.generateSigningKey();
            WrappedKey wrapped = wrapper.wrap(vmKey.exportPkcs8(SecretKeyAccess.insecureSecretAccess()), context);
            unwrapper.unwrap(wrapped, context).destroy();
            migrations++;
        }
        double perCore = migrations / ((System.nanoTime() - measuredStart) / 1e9);
        return perCore * Runtime.getRuntime().availableProcessors();
    }

    private static String report(Suite suite, Histogram hop, Histogram sequential, List<Double> rates, double cpuShare,
            double cryptoBound) {
        double hopP50 = hop.getValueAtPercentile(50) / 1e6;
        double p50 = sequential.getValueAtPercentile(50) / 1e6;
        double p99 = sequential.getValueAtPercentile(99) / 1e6;
        double best = rates.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        StringBuilder out = new StringBuilder();
        out.append(String.format("### End to end, suite %s%n%n", suite.name().toLowerCase()));
        Map<String, String> tried = centerSettings(System.getProperties());
        if (!tried.isEmpty()) {
            out.append("Center settings of this run: ").append(tried).append("\n\n");
        }
        out.append("| measure | value |\n| --- | ---: |\n");
        out.append(String.format("| raw produce→consume hop p50 / p99 (%d samples, acks=all, 512 B) | %.3f ms / %.3f ms |%n",
                hop.getTotalCount(), hopP50, hop.getValueAtPercentile(99) / 1e6));
        out.append(String.format("| request→DONE p50 / p99, one migration at a time (%d migrations) | %.1f ms / %.1f ms |%n",
                sequential.getTotalCount(), p50, p99));
        out.append(String.format("| throughput, %d concurrent migrations, %d rounds | %s migrations/s (best %.1f) |%n",
                HOSTS * VMS_PER_HOST, rates.size(), String.join(", ", rates.stream().map(r -> String.format("%.1f", r)).toList()), best));
        out.append(String.format("| CPU busy during the throughput rounds (this JVM's CPU time ÷ wall time × cores) | %.0f %% |%n",
                cpuShare * 100));
        out.append(String.format("| crypto-bound rate (%d signs + %d verifies + VM key generation + wrap + unwrap per migration, × %d cores) | %.0f migrations/s |%n",
                SIGNS, VERIFIES, Runtime.getRuntime().availableProcessors(), cryptoBound));
        out.append(String.format("%nRatios (same run): end-to-end rate ÷ crypto-bound rate = %.3f; "
                        + "p50 latency ÷ (%d sequential hops × raw hop p50) = %.1f%n",
                best / cryptoBound, SEQUENTIAL_HOPS, p50 / (SEQUENTIAL_HOPS * hopP50)));
        return out.toString();
    }

    private static Map<String, String> hostsOf(Operator operator) {
        Map<String, String> hosts = new HashMap<>();
        for (Map.Entry<String, VmInventoryEntry> entry : operator.bindings().entrySet()) {
            hosts.put(entry.getKey(), entry.getValue().getBinding().getHostId());
        }
        return hosts;
    }

    private static String nextHost(EmbeddedSystem system, String current) {
        List<String> hosts = system.hostIds();
        return hosts.get((hosts.indexOf(current) + 1) % hosts.size());
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }
}
