package io.vmigrate.center;

import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.topic.DeadLetterHeaders;
import io.vmigrate.schema.topic.Topics;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;

/** Builds dead-letter records: the original bytes, and why and where from in {@link DeadLetterHeaders}. */
final class DeadLetters {

    static final String COMPONENT = "center";

    private DeadLetters() {}

    static Headers headers(RefusalReason reason, String detail, String topic, int partition, long offset) {
        return DeadLetterHeaders.of(reason, detail, topic, partition, offset, COMPONENT);
    }

    static ProducerRecord<byte[], byte[]> record(byte[] key, byte[] value, RefusalReason reason, String detail,
            String topic, int partition, long offset) {
        return new ProducerRecord<>(Topics.DEAD_LETTER, null, key, value,
                headers(reason, detail, topic, partition, offset));
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
