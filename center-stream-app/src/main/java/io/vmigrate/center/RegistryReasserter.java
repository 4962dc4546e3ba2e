package io.vmigrate.center;

import io.vmigrate.schema.registry.TrustRegistryEntry;
import io.vmigrate.schema.topic.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the latest record of every key the center holds on {@code trust.registry} the center's own
 * entry, so compaction can never erase a live registration. It reads the whole topic (read committed)
 * and remembers the center's current entry per key ({@link CenterRegistryEntries}); when the latest
 * record of such a key is anything else (a tombstone, a foreign or unsigned entry, an older replay,
 * undecodable bytes) it republishes the held entry. Its own republished entry equals the held one, so
 * it never answers itself. This covers host entries and the center's {@code center:<keyId>} entry alike.
 *
 * <p>Why a consumer of its own and not a processor in the topology: Kafka Streams refuses a topic that
 * is both a global store's source and a task's source, and the {@code enrollments} store is keyed by host
 * id while registry records are keyed {@code host:<id>}, so they would not meet in one task. Republishing
 * a center-signed entry is idempotent, so it needs no transaction; every center instance runs one, and
 * a contested key may be answered once per instance.
 */
final class RegistryReasserter implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(RegistryReasserter.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final long SEND_TIMEOUT_SECONDS = 30;
    private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);

    private final Consumer<String, byte[]> consumer;
    private final Producer<String, TrustRegistryEntry> producer;
    private final Topic<String, TrustRegistryEntry> registry;
    private final RegistryRecordDeserializer values;
    private final CenterMetrics metrics;
    /** Keys whose latest record seen is not the held entry are answered once the consumer has caught up. */
    private final RegistryContests contests;
    /** The center's global store, once it can be queried; empty before. */
    private final Supplier<Optional<List<TrustRegistryEntry>>> storeEntries;
    /** Told the key id of every {@code center:<keyId>} record read: another instance may have rotated. */
    private final java.util.function.Consumer<String> centerKeySeen;
    private boolean recovered;

    RegistryReasserter(Consumer<String, byte[]> consumer, Producer<String, TrustRegistryEntry> producer,
            Topic<String, TrustRegistryEntry> registry, CenterRegistryEntries judge, CenterMetrics metrics,
            Supplier<Optional<List<TrustRegistryEntry>>> storeEntries, java.util.function.Consumer<String> centerKeySeen) {
        this.centerKeySeen = centerKeySeen;
        this.consumer = consumer;
        this.producer = producer;
        this.registry = registry;
        this.values = new RegistryRecordDeserializer(registry.valueSerde().deserializer());
        this.contests = new RegistryContests(judge);
        this.metrics = metrics;
        this.storeEntries = storeEntries;
    }

    /** Reads until {@link #wakeup()}; no record and no broker error stops it. */
    @Override
    public void run() {
        try {
            List<TopicPartition> partitions = List.of();
            while (true) {
                try {
                    if (partitions.isEmpty()) {
                        partitions = assignEveryPartition();
                        continue;
                    }
                    var records = consumer.poll(POLL);
                    for (ConsumerRecord<String, byte[]> record : records) {
                        observe(record);
                    }
                    if (records.isEmpty() || caughtUp(partitions)) {
                        recoverOnce();
                        answerContested();
                    }
                } catch (KafkaException e) {
                    if (e instanceof WakeupException || e instanceof InterruptException) {
                        throw e;
                    }
                    LOG.warn("registry reasserter: {}; trying again in {}", e.toString(), RETRY_PAUSE);
                    pause();
                }
            }
        } catch (WakeupException | InterruptException e) {
            LOG.info("registry reasserter stopped");
        } finally {
            consumer.close();
        }
    }

    /** Reads the registry from its beginning, every time the center starts: held entries are rebuilt from it. */
    private List<TopicPartition> assignEveryPartition() {
        List<TopicPartition> partitions = new ArrayList<>();
        consumer.partitionsFor(registry.name()).forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
        if (partitions.isEmpty()) {
            LOG.info("{} has no partitions yet; looking again in {}", registry.name(), RETRY_PAUSE);
            pause();
            return partitions;
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return partitions;
    }

    private static void pause() {
        try {
            Thread.sleep(RETRY_PAUSE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        }
    }

    /** Stops {@link #run()} from another thread. */
    void wakeup() {
        consumer.wakeup();
    }

    /** Releases the consumer of a reasserter whose {@link #run()} never started (or has ended). */
    void closeUnstarted() {
        consumer.close();
    }

    /** Takes one record into account: the key's held entry, or a contest of it. */
    private void observe(ConsumerRecord<String, byte[]> record) {
        String key = record.key();
        if (key != null && key.startsWith(io.vmigrate.schema.registry.TrustRegistryEntries.CENTER_ENTRY_PREFIX)) {
            // Before judging: the entries of a key another instance rotated to must verify here too.
            centerKeySeen.accept(key.substring(io.vmigrate.schema.registry.TrustRegistryEntries.CENTER_ENTRY_PREFIX.length()));
        }
        var verdict = contests.observe(key, values.deserialize(record.topic(), record.value()));
        if (!verdict.isTaken() && contests.isContested(key)) {
            LOG.warn("trust registry record {} at {}-{}@{} contests the center's entry ({}); it will be republished",
                    CenterRegistryEntries.printable(key), record.topic(), record.partition(), record.offset(), verdict.detail());
        }
    }

    /** Once caught up with the topic: what the global store holds that the topic lost is republished too. */
    private void recoverOnce() {
        if (!recovered) {
            storeEntries.get().ifPresent(entries -> {
                contests.recover(entries);
                recovered = true;
            });
        }
    }

    /** Republishes the held entry of every contested key; a key whose send fails stays contested. */
    private void answerContested() {
        for (String key : contests.contested()) {
            TrustRegistryEntry entry = contests.held(key).orElseThrow();
            try {
                producer.send(new ProducerRecord<>(registry.name(), key, entry)).get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                contests.answered(key);
                metrics.registryEntryReasserted();
                LOG.info("trust registry entry {} republished over a contesting record", CenterRegistryEntries.printable(key));
            } catch (ExecutionException | TimeoutException e) {
                // Transient (the broker, a timeout): the key stays contested and is tried again after the next poll.
                LOG.warn("cannot republish trust registry entry {} yet: {}", CenterRegistryEntries.printable(key), e.toString());
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptException(e);
            }
        }
    }

    private boolean caughtUp(List<TopicPartition> partitions) {
        return partitions.stream().allMatch(p -> consumer.currentLag(p).orElse(1) == 0);
    }
}
