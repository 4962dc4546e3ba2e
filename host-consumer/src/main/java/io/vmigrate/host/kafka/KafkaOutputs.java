package io.vmigrate.host.kafka;

import io.vmigrate.host.CommandRecord;
import io.vmigrate.host.ReplyPublisher;
import io.vmigrate.host.enrollment.EnrollmentSink;
import io.vmigrate.schema.alert.SecurityAlert;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.registry.HostEnrollmentRequested;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.schema.topic.DeadLetterHeaders;
import io.vmigrate.schema.topic.Topic;
import io.vmigrate.schema.topic.TopicProvisioner;
import io.vmigrate.schema.topic.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Everything the agent writes to Kafka, through one idempotent producer ({@code acks=all}): replies,
 * alerts, dead letters, enrollment and registration requests. Each send waits for the acknowledgement,
 * so the caller knows the record is durable before it records the command and commits the offset.
 */
public final class KafkaOutputs implements ReplyPublisher, EnrollmentSink {

    private static final SingleObjectCodec<SignedEnvelope> ENVELOPES = SingleObjectCodec.of(SignedEnvelope.class);

    private final String hostId;
    private final String component;
    private final Topics topics;
    private final Producer<byte[], byte[]> producer;
    private final Admin admin;
    private final int commandTopicPartitions;
    private final short commandTopicReplicationFactor;
    private final Duration publishTimeout;

    public KafkaOutputs(String hostId, Topics topics, Producer<byte[], byte[]> producer, Admin admin,
            int commandTopicPartitions, short commandTopicReplicationFactor, Duration publishTimeout) {
        this.hostId = Objects.requireNonNull(hostId, "hostId");
        this.component = "host-agent/" + hostId;
        this.topics = Objects.requireNonNull(topics, "topics");
        this.producer = Objects.requireNonNull(producer, "producer");
        this.admin = Objects.requireNonNull(admin, "admin");
        this.commandTopicPartitions = commandTopicPartitions;
        this.commandTopicReplicationFactor = commandTopicReplicationFactor;
        this.publishTimeout = Objects.requireNonNull(publishTimeout, "publishTimeout");
    }

    @Override
    public void publishReply(String vmId, byte[] signedEnvelope) {
        // Re-serialized through the topic's serde so the configured wire format is honoured.
        send(topics.hostEvents(), vmId, ENVELOPES.decode(signedEnvelope), new RecordHeaders());
    }

    @Override
    public void publishAlert(SecurityAlert alert) {
        String key = alert.getVmId() != null ? alert.getVmId().toString() : hostId;
        send(topics.securityAlerts(), key, alert, new RecordHeaders());
    }

    @Override
    public void publishDeadLetter(CommandRecord record, RefusalReason reason, String detail) {
        var headers = DeadLetterHeaders.of(reason, detail, record.topic(), record.partition(), record.offset(), component);
        try {
            await(producer.send(new ProducerRecord<>(topics.deadLetter().name(), null, record.key(), record.value(), headers)));
        } catch (RecordTooLargeException e) {
            // A record as large as the topic allows has no room left for the headers: set aside without its
            // bytes (its coordinates say where the original is), rather than stop the agent on it.
            var withoutValue = DeadLetterHeaders.of(reason, detail + " (record too large to copy here)", record.topic(),
                    record.partition(), record.offset(), component);
            await(producer.send(new ProducerRecord<byte[], byte[]>(topics.deadLetter().name(), null, null, null, withoutValue)));
        }
    }

    @Override
    public void ensureCommandTopic(String commandHostId) {
        new TopicProvisioner(admin, commandTopicPartitions, commandTopicReplicationFactor)
                .provision(List.of(topics.hostCommands(commandHostId)));
    }

    @Override
    public void requestEnrollment(HostEnrollmentRequested request) {
        send(topics.hostEnrollments(), request.getHostId().toString(), request, new RecordHeaders());
    }

    @Override
    public void requestRegistration(String vmId, byte[] signedRegistration) {
        // Re-serialized through the topic's serde so the configured wire format is honoured.
        send(topics.vmRegistrations(), vmId, ENVELOPES.decode(signedRegistration), new RecordHeaders());
    }

    private <V> void send(Topic<String, V> topic, String key, V value, RecordHeaders headers) {
        byte[] keyBytes = topic.keySerde().serializer().serialize(topic.name(), key);
        byte[] valueBytes = topic.valueSerde().serializer().serialize(topic.name(), value);
        await(producer.send(new ProducerRecord<>(topic.name(), null, keyBytes, valueBytes, headers)));
    }

    private void await(java.util.concurrent.Future<RecordMetadata> future) {
        try {
            future.get(publishTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof KafkaException) {
                throw (KafkaException) cause;
            }
            throw new KafkaException("send failed: " + cause, cause);
        } catch (java.util.concurrent.TimeoutException e) {
            // Retriable: the same record is handled again and the secure zone hands back the same reply.
            throw new TimeoutException("no acknowledgement within " + publishTimeout.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        }
    }
}
