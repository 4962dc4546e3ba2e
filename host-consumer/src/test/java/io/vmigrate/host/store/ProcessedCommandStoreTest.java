package io.vmigrate.host.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessedCommandStoreTest {

    @TempDir
    Path dir;

    @Test
    void survivesReopening() throws Exception {
        Path file = dir.resolve("state/processed.log");
        try (var store = ProcessedCommandStore.open(file)) {
            store.record(new ProcessedCommand("msg-1", "host.h1.commands", 0, 41, new byte[] {1, 2, 3}));
            store.record(new ProcessedCommand("msg-2", "host.h1.commands", 0, 42, new byte[0]));
        }
        try (var store = ProcessedCommandStore.open(file)) {
            assertThat(store.size()).isEqualTo(2);
            ProcessedCommand first = store.find("msg-1").orElseThrow();
            assertThat(first.isSameRecord("host.h1.commands", 0, 41)).isTrue();
            assertThat(first.isSameRecord("host.h1.commands", 0, 43)).isFalse();
            assertThat(first.reply()).containsExactly(1, 2, 3);
            assertThat(store.find("msg-2").orElseThrow().hasReply()).isFalse();
            assertThat(store.find("msg-3")).isEmpty();
            store.record(new ProcessedCommand("msg-3", "host.h1.commands", 1, 7, new byte[] {9}));
        }
        try (var store = ProcessedCommandStore.open(file)) {
            assertThat(store.size()).isEqualTo(3);
            assertThat(store.find("msg-3").orElseThrow().partition()).isEqualTo(1);
        }
    }

    @Test
    void aTornTailFromACrashMidAppendIsCutOffAndEverythingBeforeItKept() throws Exception {
        Path file = dir.resolve("processed.log");
        try (var store = ProcessedCommandStore.open(file)) {
            store.record(new ProcessedCommand("msg-1", "t", 0, 1, new byte[] {1}));
            store.record(new ProcessedCommand("msg-2", "t", 0, 2, new byte[] {2}));
        }
        long complete = Files.size(file);
        // Half of a third entry, as a kill -9 in the middle of a write would leave.
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.APPEND)) {
            channel.write(ByteBuffer.wrap(new byte[] {0, 0, 0, 40, 1, 2, 3, 4, 5}));
        }
        try (var store = ProcessedCommandStore.open(file)) {
            assertThat(store.size()).isEqualTo(2);
            assertThat(Files.size(file)).isEqualTo(complete);
            store.record(new ProcessedCommand("msg-3", "t", 0, 3, new byte[] {3}));
        }
        try (var store = ProcessedCommandStore.open(file)) {
            assertThat(store.find("msg-3")).isPresent();
            assertThat(store.size()).isEqualTo(3);
        }
    }

    @Test
    void aCorruptedEntryEndsTheTrustedPrefix() throws Exception {
        Path file = dir.resolve("processed.log");
        try (var store = ProcessedCommandStore.open(file)) {
            store.record(new ProcessedCommand("msg-1", "t", 0, 1, new byte[] {1}));
        }
        long first = Files.size(file);
        try (var store = ProcessedCommandStore.open(file)) {
            store.record(new ProcessedCommand("msg-2", "t", 0, 2, new byte[] {2}));
        }
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 1] ^= 0x55;
        Files.write(file, bytes);
        try (var store = ProcessedCommandStore.open(file)) {
            assertThat(store.find("msg-1")).isPresent();
            assertThat(store.find("msg-2")).isEmpty();
            assertThat(Files.size(file)).isEqualTo(first);
        }
    }
}
