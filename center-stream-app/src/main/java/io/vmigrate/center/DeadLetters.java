package io.vmigrate.center;

import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.topic.DeadLetterHeaders;
import io.vmigrate.schema.topic.Topics;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;

/**
 * Builds dead-letter records: the original bytes, and why and where from in {@link DeadLetterHeaders}.
 * A record as large as its topic allows leaves no room for the headers: its bytes are left out (its
 * coordinates say where the original is), or producing the dead letter would fail and it would be lost.
 */
final class DeadLetters {

    static final String COMPONENT = "center";
    /** Larger than any record the center accepts, and well below the broker's default record limit of 1 MiB. */
    static final int MAX_COPIED_BYTES = 512 * 1024;
    /** Keys are identifiers; one this long is not, and would crowd the value out. */
    static final int MAX_COPIED_KEY_BYTES = 64 * 1024;

    private DeadLetters() {}

    static Headers headers(RefusalReason reason, String detail, String topic, int partition, long offset) {
        return DeadLetterHeaders.of(reason, detail, topic, partition, offset, COMPONENT);
    }

    static ProducerRecord<byte[], byte[]> record(byte[] key, byte[] value, RefusalReason reason, String detail,
            String topic, int partition, long offset) {
        return new ProducerRecord<>(Topics.DEAD_LETTER, null, copiedKey(key), copiedValue(key, value),
                headers(reason, detailFor(key, value, detail), topic, partition, offset));
    }

    /** The key to copy into a dead letter: null when it is too long. */
    static byte[] copiedKey(byte[] key) {
        return key == null || key.length > MAX_COPIED_KEY_BYTES ? null : key;
    }

    /** The value to copy into a dead letter: null when, with the copied key, it is too large. */
    static byte[] copiedValue(byte[] key, byte[] value) {
        byte[] copiedKey = copiedKey(key);
        int keyBytes = copiedKey == null ? 0 : copiedKey.length;
        return value == null || keyBytes + value.length > MAX_COPIED_BYTES ? null : value;
    }

    /** The detail, saying what was left out of the dead letter and why. */
    static String detailFor(byte[] key, byte[] value, String detail) {
        boolean keyLeftOut = key != null && copiedKey(key) == null;
        boolean valueLeftOut = value != null && copiedValue(key, value) == null;
        if (!keyLeftOut && !valueLeftOut) {
            return detail;
        }
        return detail + " (" + (keyLeftOut ? "key of " + key.length + " bytes" : "")
                + (keyLeftOut && valueLeftOut ? " and " : "") + (valueLeftOut ? "value of " + value.length + " bytes" : "")
                + " left out: too large to copy here)";
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
