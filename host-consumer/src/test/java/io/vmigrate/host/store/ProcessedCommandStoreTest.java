package io.vmigrate.host.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmigrate.common.testing.ManualClock;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessedCommandStoreTest {

    private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");
    private static final Duration RETENTION = Duration.ofHours(1);
    private static final Duration TTL = Duration.ofMinutes(10);
    private static final String TOPIC = "host.h1.commands";

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(START);

    private ProcessedCommandStore open(Path file) throws IOException {
        return ProcessedCommandStore.open(file, RETENTION, clock);
    }

    private ProcessedCommandStore open(Path file, long compactionFloorBytes) throws IOException {
        return ProcessedCommandStore.open(file, RETENTION, clock, compactionFloorBytes);
    }

    /** A command whose envelope expires {@link #TTL} from now, as the center seals them. */
    private ProcessedCommand command(String messageId, long offset, byte... reply) {
        return new ProcessedCommand(messageId, TOPIC, 0, offset, clock.instant().plus(TTL).toEpochMilli(), reply);
    }

    private static long expiryOf(ProcessedCommandStore store, String messageId) {
        return store.find(messageId).orElseThrow().expiresAtMillis();
    }

    @Test
    void survivesReopening() throws Exception {
        Path file = dir.resolve("state/processed.log");
        try (var store = open(file)) {
            store.record(new ProcessedCommand("msg-1", TOPIC, 0, 41, START.plus(TTL).toEpochMilli(), new byte[] {1, 2, 3}));
            store.record(command("msg-2", 42));
        }
        try (var store = open(file)) {
            assertThat(store.size()).isEqualTo(2);
            ProcessedCommand first = store.find("msg-1").orElseThrow();
            assertThat(first.isSameRecord(TOPIC, 0, 41)).isTrue();
            assertThat(first.isSameRecord(TOPIC, 0, 43)).isFalse();
            assertThat(first.reply()).containsExactly(1, 2, 3);
            assertThat(first.expiresAtMillis()).isEqualTo(START.plus(TTL).toEpochMilli());
            assertThat(store.find("msg-2").orElseThrow().hasReply()).isFalse();
            assertThat(store.find("msg-3")).isEmpty();
            store.record(new ProcessedCommand("msg-3", TOPIC, 1, 7, START.plus(TTL).toEpochMilli(), new byte[] {9}));
        }
        try (var store = open(file)) {
            assertThat(store.size()).isEqualTo(3);
            assertThat(store.find("msg-3").orElseThrow().partition()).isEqualTo(1);
        }
    }

    @Test
    void aBatchOfCommandsIsMadeDurableByOneSync() throws Exception {
        Path file = dir.resolve("processed.log");
        try (var store = open(file)) {
            store.sync();
            assertThat(store.syncCount()).as("nothing recorded: nothing to force").isZero();
            store.record(command("m-1", 1, (byte) 1));
            store.record(command("m-2", 2, (byte) 2));
            store.record(command("m-3", 3, (byte) 3));
            assertThat(store.find("m-2")).as("found before it is synced, by the agent that recorded it").isPresent();
            store.sync();
            store.sync();
            assertThat(store.syncCount()).isEqualTo(1);
            store.record(command("m-4", 4, (byte) 4));
            store.sync();
            assertThat(store.syncCount()).isEqualTo(2);
        }
        try (var store = open(file)) {
            assertThat(store.size()).isEqualTo(4);
            assertThat(store.find("m-3").orElseThrow().reply()).containsExactly(3);
        }
    }

    @Test
    void aTornTailFromACrashMidAppendIsCutOffAndEverythingBeforeItKept() throws Exception {
        Path file = dir.resolve("processed.log");
        try (var store = open(file)) {
            store.record(command("msg-1", 1, (byte) 1));
            store.record(command("msg-2", 2, (byte) 2));
        }
        long complete = Files.size(file);
        appendTornEntry(file);
        try (var store = open(file)) {
            assertThat(store.size()).isEqualTo(2);
            assertThat(Files.size(file)).isEqualTo(complete);
            store.record(command("msg-3", 3, (byte) 3));
        }
        try (var store = open(file)) {
            assertThat(store.find("msg-3")).isPresent();
            assertThat(store.size()).isEqualTo(3);
        }
    }

    @Test
    void aCorruptedEntryEndsTheTrustedPrefix() throws Exception {
        Path file = dir.resolve("processed.log");
        try (var store = open(file)) {
            store.record(command("msg-1", 1, (byte) 1));
        }
        long first = Files.size(file);
        try (var store = open(file)) {
            store.record(command("msg-2", 2, (byte) 2));
        }
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 1] ^= 0x55;
        Files.write(file, bytes);
        try (var store = open(file)) {
            assertThat(store.find("msg-1")).isPresent();
            assertThat(store.find("msg-2")).isEmpty();
            assertThat(Files.size(file)).isEqualTo(first);
        }
    }

    @Test
    void aCommandIsRememberedUntilItsExpiryPlusTheRetentionIsPastThenForgottenForGood() throws Exception {
        Path file = dir.resolve("processed.log");
        try (var store = open(file)) {
            store.record(command("msg-1", 1, (byte) 1));
            clock.advance(TTL.plus(RETENTION));
            assertThat(store.find("msg-1")).as("expiry plus retention is now, not past").isPresent();

            clock.advance(Duration.ofMillis(1));
            assertThat(store.find("msg-1")).isEmpty();
            assertThat(store.size()).isZero();
            assertThat(store.stats().liveEntries()).isZero();
            assertThat(store.stats().liveBytes()).isZero();
        }
        try (var store = open(file)) {
            assertThat(store.find("msg-1")).as("not loaded back after a restart").isEmpty();
        }
    }

    @Test
    void commandsAreForgottenByTheirOwnExpiryNotByTheOrderTheyCameIn() throws Exception {
        try (var store = open(dir.resolve("processed.log"))) {
            long now = clock.millis();
            store.record(new ProcessedCommand("late", TOPIC, 0, 1, now + Duration.ofHours(5).toMillis(), new byte[0]));
            store.record(new ProcessedCommand("early", TOPIC, 0, 2, now + Duration.ofMinutes(1).toMillis(), new byte[0]));
            store.record(new ProcessedCommand("middle", TOPIC, 0, 3, now + Duration.ofHours(2).toMillis(), new byte[0]));

            clock.advance(Duration.ofMinutes(1).plus(RETENTION).plusMillis(1));
            assertThat(store.find("early")).isEmpty();
            assertThat(store.find("middle")).isPresent();
            assertThat(store.find("late")).isPresent();

            clock.advance(Duration.ofHours(2));
            assertThat(store.find("middle")).isEmpty();
            assertThat(store.find("late")).isPresent();
            assertThat(store.size()).isEqualTo(1);
        }
    }

    @Test
    void aLogWrittenBeforeExpiriesWereRecordedIsReadAndRewrittenWithTheAssumedExpiry() throws Exception {
        Path file = dir.resolve("processed.log");
        writeVersion1(file, "old-1", 5, new byte[] {7, 7});
        writeVersion1(file, "old-2", 6, new byte[0]);
        long assumed = START.plus(RETENTION).toEpochMilli();

        try (var store = open(file)) {
            assertThat(store.size()).isEqualTo(2);
            ProcessedCommand old = store.find("old-1").orElseThrow();
            assertThat(old.isSameRecord(TOPIC, 0, 5)).isTrue();
            assertThat(old.reply()).containsExactly(7, 7);
            assertThat(old.expiresAtMillis()).isEqualTo(assumed);
            assertThat(payloadVersionAt(file, 0)).as("rewritten in the current version").isEqualTo(2);
        }
        // A restart later does not push the assumed expiry further: it was written down.
        clock.advance(RETENTION);
        try (var store = open(file)) {
            assertThat(expiryOf(store, "old-1")).isEqualTo(assumed);
            clock.advance(RETENTION);
            assertThat(store.find("old-2")).as("kept one more retention past its assumed expiry").isPresent();
            clock.advance(Duration.ofMillis(1));
            assertThat(store.find("old-1")).isEmpty();
            assertThat(store.find("old-2")).isEmpty();
        }
    }

    @Test
    void aLogMostlyOfForgottenCommandsIsCompactedToItsLiveEntries() throws Exception {
        Path file = dir.resolve("processed.log");
        long floor = 4096;
        try (var store = open(file, floor)) {
            for (int i = 0; i < 200; i++) {
                store.record(command("msg-" + i, i, new byte[40]));
                clock.advance(Duration.ofMinutes(1));
            }
            ProcessedCommandStore.Stats stats = store.stats();
            assertThat(stats.compactions()).isPositive();
            assertThat(stats.fileBytes()).isLessThanOrEqualTo(Math.max(floor, 2 * stats.liveBytes()) + 200);
            // The window: expiry (10 min) plus the retention (60 min), one command a minute.
            assertThat(store.size()).isBetween(70, 71);
            // Now 200 min: forgotten what expired (at i + 10 min) more than 60 min ago.
            assertThat(store.find("msg-199")).isPresent();
            assertThat(store.find("msg-130")).isPresent();
            assertThat(store.find("msg-129")).isEmpty();
            assertThat(Files.exists(file.resolveSibling("processed.log" + ProcessedCommandStore.COMPACTION_SUFFIX)))
                    .isFalse();
        }
        try (var store = open(file, floor)) {
            assertThat(store.size()).isBetween(70, 71);
            assertThat(store.find("msg-199").orElseThrow().offset()).isEqualTo(199);
            store.record(command("msg-200", 200));
        }
        try (var store = open(file, floor)) {
            assertThat(store.find("msg-200")).isPresent();
        }
    }

    @Test
    void rightAfterACompactionTheFileHoldsExactlyTheLiveEntries() throws Exception {
        Path file = dir.resolve("processed.log");
        try (var store = open(file, 0)) {
            store.record(command("a", 1, new byte[100]));
            store.record(command("b", 2, new byte[100]));
            clock.advance(TTL.plus(RETENTION).plusMillis(1));
            store.record(command("c", 3, new byte[100]));

            // a and b were forgotten before c was appended: the file was more than twice its live bytes (none).
            assertThat(store.stats().compactions()).isEqualTo(1);
            assertThat(store.stats().fileBytes()).isEqualTo(store.stats().liveBytes()).isEqualTo(Files.size(file));
            assertThat(store.stats().liveEntries()).isEqualTo(1);
        }
        try (var store = open(file, 0)) {
            assertThat(store.size()).isEqualTo(1);
            assertThat(store.find("c")).isPresent();
        }
    }

    @Test
    void aCompactionACrashInterruptedIsDiscardedAndTheWholeOldLogKept() throws Exception {
        Path file = dir.resolve("processed.log");
        try (var store = open(file)) {
            store.record(command("msg-1", 1, (byte) 1));
            store.record(command("msg-2", 2, (byte) 2));
        }
        long before = Files.size(file);
        // What a kill -9 in the middle of writing the compacted copy leaves: part of a log under the temp name.
        Path unfinished = file.resolveSibling("processed.log" + ProcessedCommandStore.COMPACTION_SUFFIX);
        Files.write(unfinished, java.util.Arrays.copyOf(Files.readAllBytes(file), 13));

        try (var store = open(file, 0)) {
            assertThat(unfinished).doesNotExist();
            assertThat(Files.size(file)).isEqualTo(before);
            assertThat(store.find("msg-1")).isPresent();
            assertThat(store.find("msg-2")).isPresent();
            store.record(command("msg-3", 3, (byte) 3));
        }
        try (var store = open(file)) {
            assertThat(store.size()).isEqualTo(3);
        }
    }

    @Test
    void aCompactionThatCannotBeWrittenLeavesTheOldLogInUseAndNothingAcknowledgedLost() throws Exception {
        Path file = dir.resolve("processed.log");
        Path blocked = file.resolveSibling("processed.log" + ProcessedCommandStore.COMPACTION_SUFFIX);
        try (var store = open(file, 0)) {
            // Larger than what is kept, so the log is over twice its live bytes once it is forgotten.
            store.record(command("gone", 1, new byte[256]));
            // The compacted copy cannot be created: a directory is in its way.
            Files.createDirectory(blocked);
            clock.advance(TTL.plus(RETENTION).plusMillis(1));
            store.record(command("kept", 2, new byte[64]));

            assertThat(store.stats().compactions()).isZero();
            assertThat(store.find("kept")).isPresent();
        }
        try (var store = open(file, 0)) {
            assertThat(blocked).doesNotExist();
            assertThat(store.find("kept")).isPresent();
            assertThat(store.find("gone")).isEmpty();
            assertThat(store.stats().compactions()).as("compacted at open, once nothing is in the way").isEqualTo(1);
        }
    }

    @Test
    void theTornTailRuleHoldsForACompactedLog() throws Exception {
        Path file = dir.resolve("processed.log");
        try (var store = open(file, 0)) {
            store.record(command("gone", 1, new byte[64]));
            clock.advance(TTL.plus(RETENTION).plusMillis(1));
            store.record(command("kept", 2, new byte[64]));
            store.record(command("appended", 3, new byte[64]));
            assertThat(store.stats().compactions()).isEqualTo(1);
        }
        long complete = Files.size(file);
        appendTornEntry(file);
        try (var store = open(file, 0)) {
            assertThat(Files.size(file)).isEqualTo(complete);
            assertThat(store.find("gone")).isEmpty();
            assertThat(store.find("kept")).isPresent();
            assertThat(store.find("appended")).isPresent();
        }
    }

    @Test
    void fileAndMemoryStayBoundedByTheRetentionWindowOverManyWindows() throws Exception {
        Path file = dir.resolve("processed.log");
        int records = 100_000;
        Duration between = Duration.ofSeconds(1);
        // Commands of the last (TTL + RETENTION), one a second, are live; 100,000 seconds are ~23 such windows.
        int window = (int) (TTL.plus(RETENTION).toSeconds() / between.toSeconds()) + 1;
        long largestFile = 0;
        int largestMap = 0;
        try (var store = open(file)) {
            for (int i = 0; i < records; i++) {
                store.record(command("message-" + i, i, new byte[32]));
                largestMap = Math.max(largestMap, store.size());
                ProcessedCommandStore.Stats stats = store.stats();
                largestFile = Math.max(largestFile, stats.fileBytes());
                assertThat(stats.fileBytes()).isLessThanOrEqualTo(
                        Math.max(ProcessedCommandStore.DEFAULT_COMPACTION_FLOOR_BYTES, 2 * stats.liveBytes()) + 200);
                clock.advance(between);
            }
            assertThat(largestMap).isLessThanOrEqualTo(window);
            assertThat(largestFile).isLessThanOrEqualTo(ProcessedCommandStore.DEFAULT_COMPACTION_FLOOR_BYTES + 200);
            assertThat(store.stats().compactions()).isGreaterThan(10);
            // Idempotency still holds for everything in the window.
            assertThat(store.find("message-" + (records - window + 1))).isPresent();
            assertThat(store.find("message-" + (records - 1))).isPresent();
            assertThat(store.find("message-" + (records - window - 1))).isEmpty();
            assertThat(store.find("message-0")).isEmpty();
        }
        try (var store = open(file)) {
            assertThat(store.size()).isLessThanOrEqualTo(window);
            assertThat(store.find("message-" + (records - 1))).isPresent();
        }
    }

    @Test
    void anEntryTooLargeToBeReadBackIsRefusedBeforeAnythingIsWritten() throws Exception {
        Path file = dir.resolve("processed.log");
        try (var store = open(file)) {
            store.record(command("msg-1", 1));
            long size = Files.size(file);
            assertThatThrownBy(() -> store.record(command("huge", 2, new byte[(16 << 20) + 1])))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(Files.size(file)).isEqualTo(size);
            store.record(command("msg-2", 3));
        }
        try (var store = open(file)) {
            assertThat(store.size()).isEqualTo(2);
        }
    }

    @Test
    void theStatsCountWhatTheStoreHolds() throws Exception {
        Path file = dir.resolve("processed.log");
        try (var store = open(file)) {
            assertThat(store.stats()).isEqualTo(new ProcessedCommandStore.Stats(0, 0, 0, 0));
            store.record(command("msg-1", 1, new byte[10]));
            store.record(command("msg-2", 2, new byte[20]));
            ProcessedCommandStore.Stats stats = store.stats();
            assertThat(stats.liveEntries()).isEqualTo(2);
            assertThat(stats.fileBytes()).isEqualTo(Files.size(file)).isEqualTo(stats.liveBytes());
            assertThat(stats.compactions()).isZero();
        }
    }

    @Test
    void retentionMustBePositive() {
        assertThatThrownBy(() -> ProcessedCommandStore.open(dir.resolve("p.log"), Duration.ZERO, clock))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** Half of an entry, as a kill -9 in the middle of a write would leave. */
    private static void appendTornEntry(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.APPEND)) {
            channel.write(ByteBuffer.wrap(new byte[] {0, 0, 0, 40, 1, 2, 3, 4, 5}));
        }
    }

    /** Appends an entry as version 1 wrote it: no expiry. */
    private static void writeVersion1(Path file, String messageId, long offset, byte[] reply) throws IOException {
        var bytes = new ByteArrayOutputStream();
        try (var out = new DataOutputStream(bytes)) {
            out.writeInt(1);
            out.writeUTF(messageId);
            out.writeUTF(TOPIC);
            out.writeInt(0);
            out.writeLong(offset);
            out.writeInt(reply.length);
            out.write(reply);
        }
        byte[] payload = bytes.toByteArray();
        var crc = new CRC32C();
        crc.update(payload);
        ByteBuffer frame = ByteBuffer.allocate(8 + payload.length).putInt(payload.length).putInt((int) crc.getValue())
                .put(payload);
        Files.write(file, frame.array(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static int payloadVersionAt(Path file, int position) throws IOException {
        return ByteBuffer.wrap(Files.readAllBytes(file), position + 8, 4).getInt();
    }
}
