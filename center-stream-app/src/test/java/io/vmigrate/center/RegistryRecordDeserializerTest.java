package io.vmigrate.center;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RegistryRecordDeserializerTest {

    private final RegistryFixtures fixtures = new RegistryFixtures();
    private final byte[] wellFormed = fixtures.bytes(fixtures.host("h1", Instant.parse("2030-01-01T00:00:00Z"), fixtures.center));

    @Test
    void aWellFormedEntryIsDecodedAndNotYetJudged() {
        RegistryRecord record = fixtures.read(wellFormed);
        assertThat(record).isInstanceOfSatisfying(RegistryRecord.Decoded.class,
                decoded -> assertThat(decoded.entry().getEntryId()).isEqualTo("host:h1"));
    }

    @Test
    void aNullValueIsATombstone() {
        assertThat(fixtures.read(null)).isInstanceOf(RegistryRecord.Tombstone.class);
    }

    @Test
    void everyTruncationOfAnEntryIsUndecodableNeverAnException() {
        for (int length = 0; length < wellFormed.length; length++) {
            RegistryRecord record = fixtures.read(Arrays.copyOf(wellFormed, length));
            assertThat(record).as("first %d bytes", length).isNotInstanceOf(RegistryRecord.Tombstone.class);
            if (record instanceof RegistryRecord.Decoded decoded) {
                // Only a prefix that happens to be a whole entry may decode; it is judged like any other entry.
                assertThat(decoded.entry()).isNotNull();
            }
        }
        assertThat(fixtures.read(Arrays.copyOf(wellFormed, 5))).isInstanceOf(RegistryRecord.Undecodable.class);
    }

    @Test
    void randomBytesAreUndecodable() {
        Random random = new Random(8);
        for (int i = 0; i < 200; i++) {
            byte[] garbage = new byte[random.nextInt(300)];
            random.nextBytes(garbage);
            assertThat(fixtures.read(garbage)).isInstanceOf(RegistryRecord.Undecodable.class);
        }
    }

    @Test
    void aValueLargerThanAnyEntryIsNotDecodedAtAll() {
        byte[] huge = Arrays.copyOf(wellFormed, RegistryRecordDeserializer.MAX_VALUE_BYTES + 1);
        assertThat(fixtures.read(huge)).isInstanceOfSatisfying(RegistryRecord.Undecodable.class,
                undecodable -> assertThat(undecodable.reason()).contains("more than"));
    }
}
