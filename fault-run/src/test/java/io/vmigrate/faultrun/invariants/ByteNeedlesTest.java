package io.vmigrate.faultrun.invariants;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ByteNeedlesTest {

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    @Test
    void findsEveryNeedleAtItsOffsetInArraysAndAcrossTheChunksOfAStream() throws Exception {
        KeyNeedle a = new KeyNeedle("a", random(48, 1));
        KeyNeedle b = new KeyNeedle("b", random(32, 2));
        byte[] haystack = random(3 << 20, 3);
        int[] offsets = {0, 12345, (1 << 20) - 20, (2 << 20) - 1, haystack.length - 48};
        for (int i = 0; i < offsets.length; i++) {
            byte[] needle = (i % 2 == 0 ? a : b).bytes();
            System.arraycopy(needle, 0, haystack, offsets[i], needle.length);
        }
        ByteNeedles matcher = new ByteNeedles(List.of(a, b));

        List<ByteNeedles.Match> inArray = matcher.find(haystack);
        List<ByteNeedles.Match> inStream = matcher.find(new ByteArrayInputStream(haystack));

        for (List<ByteNeedles.Match> matches : List.of(inArray, inStream)) {
            assertThat(matches).extracting(ByteNeedles.Match::offset)
                    .containsExactly((long) offsets[0], (long) offsets[1], (long) offsets[2], (long) offsets[3], (long) offsets[4]);
            assertThat(matches).extracting(m -> m.needle().label()).containsExactly("a", "b", "a", "b", "a");
        }
    }

    @Test
    void aNeedleCutShortIsNotFound() {
        KeyNeedle needle = new KeyNeedle("key", random(32, 4));
        byte[] almost = needle.bytes();
        almost[31] ^= 1;
        assertThat(new ByteNeedles(List.of(needle)).find(almost)).isEmpty();
        assertThat(new ByteNeedles(List.of(needle)).find(java.util.Arrays.copyOf(needle.bytes(), 31))).isEmpty();
    }
}
