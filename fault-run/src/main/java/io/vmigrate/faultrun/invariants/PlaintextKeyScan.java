package io.vmigrate.faultrun.invariants;

import io.vmigrate.cli.operator.TopicSnapshot;
import io.vmigrate.faultrun.RunLayout;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * NO_PLAINTEXT_PRIVATE_KEY: every byte of every topic (internal ones and changelogs included, uncommitted records
 * too: keys, values, headers) and of every file under the data directory but the sealed stores is searched for
 * every key of {@link RunKeys} and for the PKCS#8 private-key structures of the suites' curves, whosever key it is.
 */
public final class PlaintextKeyScan {

    /**
     * The start of a PKCS#8 PrivateKeyInfo's algorithm and private key for each curve the suites use: what follows
     * the curve's OID is an OCTET STRING (04) in a private key, a BIT STRING (03) in a public one.
     */
    static final List<KeyNeedle> PRIVATE_KEY_STRUCTURES = List.of(
            new KeyNeedle("an Ed25519 PKCS#8 private key", HexFormat.of().parseHex("300506032b657004220420")),
            new KeyNeedle("an X25519 PKCS#8 private key", HexFormat.of().parseHex("300506032b656e04220420")),
            new KeyNeedle("an SM2 PKCS#8 private key", HexFormat.of().parseHex("06082a811ccf5501822d04")),
            new KeyNeedle("a P-256 PKCS#8 private key", HexFormat.of().parseHex("06082a8648ce3d03010704")));

    private static final Duration POLL = Duration.ofMillis(200);

    private PlaintextKeyScan() {}

    /** Files that are sealed on purpose (password-based key stores) and so are not scanned. */
    static boolean isSealedStore(Path file) {
        return file.getFileName().toString().endsWith(".bcfks");
    }

    public static InvariantResult scan(RunLayout layout, Map<String, Object> kafkaClient, RunKeys keys) throws IOException {
        List<KeyNeedle> needles = new ArrayList<>(keys.needles());
        needles.addAll(PRIVATE_KEY_STRUCTURES);
        ByteNeedles matcher = new ByteNeedles(needles);
        List<Violation> violations = new ArrayList<>();
        long topicBytes = scanTopics(kafkaClient, matcher, violations).bytes();
        long[] files = scanFiles(layout.dataDir(), matcher, violations);
        String summary = String.format("%d needles (%s, plus the PKCS#8 structures of Ed25519, X25519, SM2, P-256) in"
                        + " %.1f MB of topic records and %.1f MB of %d files (sealed .bcfks stores excepted): %d found",
                matcher.size() - PRIVATE_KEY_STRUCTURES.size(), keys.keysByKind(), topicBytes / 1e6, files[1] / 1e6, files[0],
                violations.size());
        return new InvariantResult(Invariant.NO_PLAINTEXT_PRIVATE_KEY, summary, violations, List.of());
    }

    /** What a scan of every topic found: the topics read, the bytes searched, the needles found. */
    public record TopicScan(Set<String> topics, long bytes, List<Violation> found) {
        public TopicScan {
            topics = Set.copyOf(topics);
            found = List.copyOf(found);
        }
    }

    /**
     * Searches every record of every topic (internal ones and uncommitted records too) for {@code keys} and for the
     * PKCS#8 private-key structures of the suites' curves.
     */
    public static TopicScan scanTopics(Map<String, Object> kafkaClient, List<KeyNeedle> keys) throws IOException {
        List<KeyNeedle> needles = new ArrayList<>(keys);
        needles.addAll(PRIVATE_KEY_STRUCTURES);
        List<Violation> violations = new ArrayList<>();
        return scanTopics(kafkaClient, new ByteNeedles(needles), violations);
    }

    private static TopicScan scanTopics(Map<String, Object> kafkaClient, ByteNeedles matcher, List<Violation> violations)
            throws IOException {
        Set<String> topics;
        try (Admin admin = Admin.create(kafkaClient)) {
            topics = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get();
        } catch (ExecutionException e) {
            throw new IOException("cannot list the topics: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted listing the topics", e);
        }
        Map<String, Object> props = new HashMap<>(TopicSnapshot.consumerProperties(kafkaClient));
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        props.put(ConsumerConfig.EXCLUDE_INTERNAL_TOPICS_CONFIG, false);
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 << 20);
        long bytes = 0;
        try (var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                partitions.addAll(TopicSnapshot.partitionsOf(consumer, topic));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    String at = record.topic() + "/" + record.partition() + "@" + record.offset();
                    bytes += check(matcher, record.key(), at + " key", violations);
                    bytes += check(matcher, record.value(), at + " value", violations);
                    for (Header header : record.headers()) {
                        bytes += check(matcher, header.value(), at + " header " + header.key(), violations);
                    }
                }
            }
        }
        return new TopicScan(topics, bytes, violations);
    }

    /** Returns {files scanned, bytes scanned}. */
    static long[] scanFiles(Path dataDir, ByteNeedles matcher, List<Violation> violations) throws IOException {
        long[] totals = new long[2];
        try (Stream<Path> walk = Files.walk(dataDir)) {
            for (Path file : walk.filter(Files::isRegularFile).filter(file -> !isSealedStore(file)).sorted().toList()) {
                try (InputStream in = Files.newInputStream(file)) {
                    for (ByteNeedles.Match match : matcher.find(in)) {
                        violations.add(new Violation(Invariant.NO_PLAINTEXT_PRIVATE_KEY,
                                match.needle().label() + " in a file", List.of(file + " at byte " + match.offset())));
                    }
                } catch (java.nio.file.NoSuchFileException gone) {
                    continue;
                }
                totals[0]++;
                totals[1] += Files.size(file);
            }
        }
        return totals;
    }

    private static long check(ByteNeedles matcher, byte[] data, String where, List<Violation> violations) {
        if (data == null) {
            return 0;
        }
        for (ByteNeedles.Match match : matcher.find(data)) {
            violations.add(new Violation(Invariant.NO_PLAINTEXT_PRIVATE_KEY, match.needle().label() + " on a topic",
                    List.of(where + " at byte " + match.offset())));
        }
        return data.length;
    }
}
