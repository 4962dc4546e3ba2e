package io.vmigrate.schema.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vmigrate.schema.serde.ProtocolSchemas;
import io.vmigrate.schema.serde.SingleObjectCodec;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;

/**
 * Any bytes given to the codec of any protocol record either decode to a record that encodes and
 * decodes back to itself, or are refused with {@link SingleObjectCodec.CodecException}. Anything else
 * (an Avro runtime exception, an array index, an OutOfMemoryError from a length the input chose, a
 * stack overflow) escapes as a finding. Inputs: {@code SingleObjectCodecFuzzTestInputs/} (every
 * released schema version's sample, written by {@code FuzzSeeds}, plus any reproducer).
 */
class SingleObjectCodecFuzzTest {

    private static final List<SingleObjectCodec<? extends SpecificRecord>> CODECS =
            ProtocolSchemas.TOP_LEVEL_RECORDS.stream().<SingleObjectCodec<? extends SpecificRecord>>map(SingleObjectCodec::of)
                    .toList();

    @FuzzTest(maxDuration = "3m")
    void everyCodecDecodesOrRefuses(byte[] input) {
        for (SingleObjectCodec<? extends SpecificRecord> codec : CODECS) {
            decodeOrRefuse(codec, input);
        }
    }

    private static <T extends SpecificRecord> void decodeOrRefuse(SingleObjectCodec<T> codec, byte[] input) {
        T record;
        try {
            record = codec.decode(input);
        } catch (SingleObjectCodec.CodecException refused) {
            return;
        }
        T again = codec.decode(codec.encode(record));
        if (!again.equals(record)) {
            throw new AssertionError(codec.type().getSimpleName() + " decoded from fuzz input does not survive a round trip");
        }
    }
}
