package io.vmigrate.center;

import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.topic.DeadLetterHeaders;
import io.vmigrate.schema.topic.Topics;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** Builds dead-letter records: the original bytes, and why and where from in {@link DeadLetterHeaders}. */
final class DeadLetters {

    static final String COMPONENT = "center";
    private static final int MAX_DETAIL = 1000;

    private DeadLetters() {}

    static Headers headers(RefusalReason reason, String detail, String topic, int partition, long offset) {
        Headers headers = new RecordHeaders();
        headers.add(DeadLetterHeaders.REASON, utf8(reason.name()));
        headers.add(DeadLetterHeaders.DETAIL, utf8(detail == null ? "" : truncate(detail)));
        headers.add(DeadLetterHeaders.SOURCE_TOPIC, utf8(topic == null ? "" : topic));
        headers.add(DeadLetterHeaders.SOURCE_PARTITION, utf8(Integer.toString(partition)));
        headers.add(DeadLetterHeaders.SOURCE_OFFSET, utf8(Long.toString(offset)));
        headers.add(DeadLetterHeaders.COMPONENT, utf8(COMPONENT));
        return headers;
    }

    static ProducerRecord<byte[], byte[]> record(byte[] key, byte[] value, RefusalReason reason, String detail,
            String topic, int partition, long offset) {
        return new ProducerRecord<>(Topics.DEAD_LETTER, null, key, value,
                headers(reason, detail, topic, partition, offset));
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String truncate(String detail) {
        return detail.length() <= MAX_DETAIL ? detail : detail.substring(0, MAX_DETAIL);
    }
}
