package io.vmigrate.center;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.topic.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class DeadLettersTest {

    @Test
    void aRecordOfUsualSizeIsCopiedAsItCame() {
        byte[] value = new byte[DeadLetters.MAX_COPIED_BYTES - "vm-1".length()];
        ProducerRecord<byte[], byte[]> letter = DeadLetters.record("vm-1".getBytes(StandardCharsets.UTF_8), value,
                RefusalReason.MALFORMED, "not a reply", "host.events", 1, 9);
        assertThat(letter.value()).isSameAs(value);
        assertThat(header(letter, DeadLetterHeaders.DETAIL)).isEqualTo("not a reply");
    }

    @Test
    void aRecordAsLargeAsTheBrokerTakesIsSetAsideWithoutItsBytesAndSaysSo() {
        // Copied with its headers it would exceed the broker's limit: producing the dead letter would fail and it would be lost.
        byte[] value = new byte[DeadLetters.MAX_COPIED_BYTES + 1];
        ProducerRecord<byte[], byte[]> letter = DeadLetters.record("vm-1".getBytes(StandardCharsets.UTF_8), value,
                RefusalReason.MALFORMED, "not a reply", "host.events", 1, 9);
        assertThat(letter.value()).isNull();
        assertThat(letter.key()).isEqualTo("vm-1".getBytes(StandardCharsets.UTF_8));
        assertThat(header(letter, DeadLetterHeaders.DETAIL))
                .isEqualTo("not a reply (value of " + value.length + " bytes left out: too large to copy here)");
        assertThat(header(letter, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("9");
    }

    @Test
    void aKeyAndValueTooLargeTogetherKeepTheKeyOnly() {
        byte[] key = new byte[1024];
        byte[] value = new byte[DeadLetters.MAX_COPIED_BYTES - 1023];
        ProducerRecord<byte[], byte[]> letter = DeadLetters.record(key, value, RefusalReason.MALFORMED, "x", "host.events", 0, 1);
        assertThat(letter.key()).isSameAs(key);
        assertThat(letter.value()).isNull();
    }

    @Test
    void anOversizeKeyIsLeftOutToo() {
        byte[] key = new byte[DeadLetters.MAX_COPIED_KEY_BYTES + 1];
        ProducerRecord<byte[], byte[]> letter = DeadLetters.record(key, null, RefusalReason.MALFORMED, "no value",
                "host.events", 0, 1);
        assertThat(letter.key()).isNull();
        assertThat(header(letter, DeadLetterHeaders.DETAIL)).contains("key of " + key.length + " bytes left out");
    }

    private static String header(ProducerRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
