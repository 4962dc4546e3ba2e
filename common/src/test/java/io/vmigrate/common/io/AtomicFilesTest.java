package io.vmigrate.common.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.ByteBuffer;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    @TempDir
    Path dir;

    @Test
    void replacesContentAndLeavesNoTemporaryFile() throws IOException {
        Path target = dir.resolve("sub/state.bin");
        AtomicFiles.write(target, new byte[] {1, 2, 3});
        AtomicFiles.write(target, new byte[] {4});
        assertThat(Files.readAllBytes(target)).containsExactly(4);
        try (var listing = Files.list(target.getParent())) {
            assertThat(listing).containsExactly(target);
        }
    }

    @Test
    void ownerOnlyFilesAreNeverReadableByOthers() throws IOException {
        Path secret = dir.resolve("secrets.properties");
        AtomicFiles.writeString(secret, "password=x\n", AtomicFiles.Permissions.OWNER_ONLY);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret))).isEqualTo("rw-------");
    }

    @Test
    void streamedContentMayCloseItsStream() throws IOException {
        Path target = dir.resolve("export.bin");
        AtomicFiles.write(target, AtomicFiles.Permissions.DEFAULT, out -> {
            out.write("abc".getBytes(StandardCharsets.UTF_8));
            out.close();
        });
        assertThat(Files.readString(target)).isEqualTo("abc");
    }

    @Test
    void aFailingWriterKeepsTheOldContent() throws IOException {
        Path target = dir.resolve("keep.txt");
        AtomicFiles.writeString(target, "old", AtomicFiles.Permissions.DEFAULT);
        assertThatThrownBy(() -> AtomicFiles.write(target, AtomicFiles.Permissions.DEFAULT, out -> {
            out.write('n');
            throw new IOException("disk full");
        })).hasMessage("disk full");
        assertThat(Files.readString(target)).isEqualTo("old");
        try (var listing = Files.list(dir)) {
            assertThat(listing).containsExactly(target);
        }
    }

    @Test
    void copiesAndRenamesDurably() throws IOException {
        Path source = dir.resolve("image.raw");
        Files.write(source, new byte[3 << 20]);
        Path copy = dir.resolve("copies/image.raw");
        AtomicFiles.copy(source, copy);
        assertThat(Files.size(copy)).isEqualTo(3 << 20);
        Path moved = dir.resolve("trash/image.raw");
        AtomicFiles.rename(copy, moved);
        assertThat(copy).doesNotExist();
        assertThat(moved).exists();
        AtomicFiles.deleteTree(dir.resolve("trash"));
        AtomicFiles.deleteTree(dir.resolve("trash"));
        assertThat(dir.resolve("trash")).doesNotExist();
    }
    @Test
    void aReplacedLogIsAppendedToThroughTheReturnedChannelAndAFailedReplacementChangesNothing() throws IOException {
        Path log = dir.resolve("journal.log");
        Path temp = dir.resolve("journal.log.compacting");
        Files.writeString(log, "old old old");
        var options = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try (var channel = AtomicFiles.replaceKeepingOpen(log, temp, options,
                replacement -> replacement.write(ByteBuffer.wrap("new".getBytes(StandardCharsets.UTF_8))))) {
            channel.write(ByteBuffer.wrap("+more".getBytes(StandardCharsets.UTF_8)));
        }
        assertThat(Files.readString(log)).isEqualTo("new+more");
        assertThat(temp).doesNotExist();

        assertThatThrownBy(() -> AtomicFiles.replaceKeepingOpen(log, temp, options, replacement -> {
            replacement.write(ByteBuffer.wrap("half".getBytes(StandardCharsets.UTF_8)));
            throw new IOException("disk full");
        })).hasMessage("disk full");
        assertThat(Files.readString(log)).isEqualTo("new+more");
        assertThat(temp).doesNotExist();
    }
}
