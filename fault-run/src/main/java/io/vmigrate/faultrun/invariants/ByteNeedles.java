package io.vmigrate.faultrun.invariants;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds any of many needles in a byte stream in one linear pass: needles are indexed by their first
 * {@value #PREFIX_BYTES} bytes, so each position costs one hash lookup however many needles there are. Streams
 * are read in chunks that overlap by the longest needle, so a needle across a chunk boundary is found too.
 */
public final class ByteNeedles {

    static final int PREFIX_BYTES = 8;
    private static final int CHUNK_BYTES = 1 << 20;

    /** A needle found at {@code offset} of what was scanned. */
    public record Match(KeyNeedle needle, long offset) {}

    private final Map<Long, List<byte[]>> byPrefix = new HashMap<>();
    /** Whether some needle starts with these two bytes: most positions are rejected by this one array read. */
    private final boolean[] firstTwo = new boolean[1 << 16];
    private final Map<byte[], KeyNeedle> needleOf = new java.util.IdentityHashMap<>();
    private final int longest;

    public ByteNeedles(List<KeyNeedle> needles) {
        int max = PREFIX_BYTES;
        for (KeyNeedle needle : needles) {
            byte[] bytes = needle.bytes();
            byPrefix.computeIfAbsent(prefix(bytes, 0), k -> new ArrayList<>()).add(bytes);
            firstTwo[((bytes[0] & 0xFF) << 8) | (bytes[1] & 0xFF)] = true;
            needleOf.put(bytes, needle);
            max = Math.max(max, bytes.length);
        }
        this.longest = max;
    }

    public int size() {
        return needleOf.size();
    }

    /** Every needle in {@code data}; offsets are from its start. */
    public List<Match> find(byte[] data) {
        List<Match> matches = new ArrayList<>();
        find(data, data.length, 0, matches);
        return matches;
    }

    /** Every needle in the stream, read to its end; offsets are from the stream's start. */
    public List<Match> find(InputStream in) throws IOException {
        List<Match> matches = new ArrayList<>();
        byte[] buffer = new byte[CHUNK_BYTES + longest];
        int filled = 0;
        long base = 0;
        while (true) {
            int read = in.read(buffer, filled, buffer.length - filled);
            if (read < 0) {
                find(buffer, filled, base, matches);
                return matches;
            }
            filled += read;
            if (filled == buffer.length) {
                // Scan the positions a full needle fits behind; keep the tail (one needle short) for the next chunk.
                int scanned = filled - (longest - 1);
                findStarts(buffer, filled, scanned, base, matches);
                System.arraycopy(buffer, scanned, buffer, 0, filled - scanned);
                base += scanned;
                filled -= scanned;
            }
        }
    }

    private void find(byte[] data, int length, long base, List<Match> sink) {
        findStarts(data, length, length, base, sink);
    }

    /** Needles starting at positions below {@code starts}, within {@code length} bytes of data. */
    private void findStarts(byte[] data, int length, int starts, long base, List<Match> sink) {
        for (int at = 0; at < starts && at + PREFIX_BYTES <= length; at++) {
            if (!firstTwo[((data[at] & 0xFF) << 8) | (data[at + 1] & 0xFF)]) {
                continue;
            }
            List<byte[]> candidates = byPrefix.get(prefix(data, at));
            if (candidates == null) {
                continue;
            }
            for (byte[] needle : candidates) {
                if (at + needle.length <= length && matchesAt(data, at, needle)) {
                    sink.add(new Match(needleOf.get(needle), base + at));
                }
            }
        }
    }

    private static boolean matchesAt(byte[] data, int at, byte[] needle) {
        for (int i = PREFIX_BYTES; i < needle.length; i++) {
            if (data[at + i] != needle[i]) {
                return false;
            }
        }
        return true;
    }

    private static long prefix(byte[] data, int at) {
        long value = 0;
        for (int i = 0; i < PREFIX_BYTES; i++) {
            value = (value << 8) | (data[at + i] & 0xFF);
        }
        return value;
    }
}
