package io.vmigrate.cli.operator;

import io.vmigrate.schema.request.OperatorGrant;
import io.vmigrate.schema.topic.Topic;
import io.vmigrate.schema.topic.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Publishes admin-signed operator grants on {@code operator.grants} and waits for the center to take
 * them (it republishes each one it verified on {@code operator.registry}).
 */
public final class OperatorGrantPublisher {

    private final Map<String, Object> client;
    private final Topics topics;

    public OperatorGrantPublisher(Map<String, Object> client, Topics topics) {
        this.client = Map.copyOf(client);
        this.topics = topics;
    }

    public void publish(OperatorGrant grant) {
        Topic<String, OperatorGrant> topic = topics.operatorGrants();
        Map<String, Object> props = new HashMap<>(client);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        try (var producer = new KafkaProducer<>(props, topic.keySerde().serializer(), topic.valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(topic.name(), grant.getOperatorKey().getKeyId(), grant)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending the grant", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot send the grant: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Whether the center took {@code grant} (it is on {@code operator.registry}) within {@code timeout}. */
    public boolean awaitTaken(OperatorGrant grant, Duration timeout) {
        AtomicBoolean taken = new AtomicBoolean();
        TopicSnapshot.readUntil(client, topics.operatorRegistry(), (keyId, held) -> {
            if (held != null && held.getGrantId().equals(grant.getGrantId())) {
                taken.set(true);
            }
        }, taken::get, timeout);
        return taken.get();
    }
}
