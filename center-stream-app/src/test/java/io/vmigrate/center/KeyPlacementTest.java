package io.vmigrate.center;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.junit.jupiter.api.Test;

class KeyPlacementTest {

    private static final int PARTITIONS = 3;

    @Test
    void aRecordWhereTheDefaultPartitionerPutsItsKeyIsInPlace() {
        assertThat(KeyPlacement.misplaced("h1", at(partitionOf("h1")), PARTITIONS)).isNull();
    }

    @Test
    void aRecordOnAnyOtherPartitionIsMisplacedAndTheReasonSaysWhere() {
        int expected = partitionOf("h1");
        for (int partition = 0; partition < PARTITIONS; partition++) {
            if (partition != expected) {
                assertThat(KeyPlacement.misplaced("h1", at(partition), PARTITIONS))
                        .contains("partition " + partition + " of host.enrollments")
                        .contains("maps to partition " + expected + " of " + PARTITIONS);
            }
        }
    }

    @Test
    void aRecordWithoutKeyIsMisplacedAndOutsideARecordNothingIs() {
        assertThat(KeyPlacement.misplaced(null, at(0), PARTITIONS)).isEqualTo("record without key");
        assertThat(KeyPlacement.misplaced("h1", Optional.empty(), PARTITIONS)).isNull();
    }

    private static int partitionOf(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
    }

    private static Optional<RecordMetadata> at(int partition) {
        return Optional.of(new RecordMetadata() {
            @Override
            public String topic() {
                return "host.enrollments";
            }

            @Override
            public int partition() {
                return partition;
            }

            @Override
            public long offset() {
                return 7;
            }
        });
    }
}
