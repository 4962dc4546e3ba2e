package io.vmigrate.center;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs beside the topology (as {@link RegistryReasserter} does) and performs the admins' verified rotation
 * requests: a rotation blocks until every announcement is acknowledged, which no stream processor may do.
 * Its consumer is in a group of the center's, and every request has the same key, so one instance performs
 * them, in order; it commits each record once handled, and the vault's request ids make a record read again
 * (after a crash, or by another instance after a rebalance) change nothing. The other instances take the new
 * key up when they see it on the registry ({@link CenterApp}).
 */
final class CenterKeyRotationTrigger implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(CenterKeyRotationTrigger.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration LAST_RETRY = Duration.ofSeconds(30);

    private final Consumer<String, byte[]> consumer;
    private final String topic;
    private final CenterKeyRotationRequestHandler handler;

    CenterKeyRotationTrigger(Consumer<String, byte[]> consumer, String topic, CenterKeyRotationRequestHandler handler) {
        this.consumer = consumer;
        this.topic = topic;
        this.handler = handler;
    }

    /** Reads until {@link #wakeup()}; a failed rotation is tried again with a growing pause. */
    @Override
    public void run() {
        Duration retry = FIRST_RETRY;
        try {
            consumer.subscribe(List.of(topic));
            while (true) {
                try {
                    retry = pollOnce(retry);
                } catch (WakeupException | InterruptException e) {
                    throw e;
                } catch (KafkaException e) {
                    LOG.warn("center key rotation trigger: {}; trying again in {}", e.toString(), retry);
                    pause(retry);
                    retry = longer(retry);
                }
            }
        } catch (WakeupException | InterruptException e) {
            LOG.info("center key rotation trigger stopped");
        } finally {
            consumer.close();
        }
    }

    /** Handles one poll's records; returns the pause before the next attempt after a failure. */
    private Duration pollOnce(Duration retry) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
            TopicPartition partition = new TopicPartition(record.topic(), record.partition());
            String coordinates = record.topic() + "-" + record.partition() + "@" + record.offset();
            try {
                handler.handle(record.value(), coordinates);
                consumer.commitSync(Map.of(partition, new OffsetAndMetadata(record.offset() + 1)));
                retry = FIRST_RETRY;
            } catch (WakeupException | InterruptException e) {
                throw e;
            } catch (Exception e) {
                // The registry not readable yet, a broker down, a vault write refused: read the record again.
                LOG.warn("center key rotation request at {} failed: {}; trying again in {}", coordinates, e.toString(), retry);
                consumer.seek(partition, record.offset());
                pause(retry);
                return longer(retry);
            }
        }
        return retry;
    }

    private static Duration longer(Duration retry) {
        Duration doubled = retry.multipliedBy(2);
        return doubled.compareTo(LAST_RETRY) > 0 ? LAST_RETRY : doubled;
    }

    private static void pause(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        }
    }

    /** Stops {@link #run()} from another thread. */
    void wakeup() {
        consumer.wakeup();
    }

    /** Releases the consumer of a trigger whose {@link #run()} never started. */
    void closeUnstarted() {
        consumer.close();
    }
}
