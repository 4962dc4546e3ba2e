package io.vmigrate.host.hypervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.Digest;
import io.vmigrate.trust.Suite;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileHypervisorTest {

    private static final Digest DIGEST = CryptoSuites.get(Suite.GM).digest();

    @TempDir
    Path root;

    private FileHypervisor source;
    private FileHypervisor destination;

    @BeforeEach
    void hosts() {
        source = new FileHypervisor(root, "h1", DIGEST);
        destination = new FileHypervisor(root, "h2", DIGEST);
    }

    /** Spans several manifest chunks, with a partial last one. */
    private static byte[] image(int seed) {
        byte[] image = new byte[FileHypervisor.MANIFEST_CHUNK_BYTES * 2 + 12345];
        for (int i = 0; i < image.length; i++) {
            image[i] = (byte) (i * 31 + seed);
        }
        return image;
    }

    @Test
    void aMigrationMovesTheBytesAndBothSidesComputeTheSameDigests() throws Exception {
        source.defineVm("vm-1", "web", image(7));
        destination.createTarget("m-1", "vm-1");
        assertThat(destination.state("vm-1")).isEqualTo(VmState.PAUSED_AWAITING_STATE);

        source.migrateOut("m-1", "vm-1", "h2");

        VmDigests sent = source.describe("vm-1");
        VmDigests received = destination.describeReceived("m-1", "vm-1");
        assertThat(received).isEqualTo(sent);
        assertThat(Files.readAllBytes(root.resolve("h2/incoming/m-1/image.img"))).isEqualTo(image(7));

        destination.resume("m-1", "vm-1");
        assertThat(destination.state("vm-1")).isEqualTo(VmState.RUNNING);
        assertThat(destination.list()).containsExactly(new VmInfo("vm-1", "web", VmState.RUNNING));
        assertThat(destination.describe("vm-1")).isEqualTo(sent);
        assertThat(root.resolve("h2/incoming/m-1")).doesNotExist();
        // The source keeps running until it is told to deregister.
        assertThat(source.state("vm-1")).isEqualTo(VmState.RUNNING);

        source.deregister("vm-1");
        assertThat(source.state("vm-1")).isEqualTo(VmState.ABSENT);
        assertThat(source.list()).isEmpty();
    }

    @Test
    void theDigestsCoverEveryByteOfTheImageAndTheDescription() throws Exception {
        source.defineVm("vm-1", "web", image(7));
        byte[] tampered = image(7);
        tampered[tampered.length - 1] ^= 1;
        source.defineVm("vm-2", "web", tampered);
        source.defineVm("vm-3", "db", image(7));

        VmDigests original = source.describe("vm-1");
        assertThat(source.describe("vm-2").imageManifestDigest()).isNotEqualTo(original.imageManifestDigest());
        assertThat(source.describe("vm-3").descriptionDigest()).isNotEqualTo(original.descriptionDigest());
        assertThat(source.describe("vm-3").imageManifestDigest()).isEqualTo(original.imageManifestDigest());
    }

    @Test
    void whatArrivedIsWhatIsDigestedOnTheDestination() throws Exception {
        source.defineVm("vm-1", "web", image(7));
        destination.createTarget("m-1", "vm-1");
        source.migrateOut("m-1", "vm-1", "h2");
        Path arrived = root.resolve("h2/incoming/m-1/image.img");
        byte[] corrupted = Files.readAllBytes(arrived);
        corrupted[5] ^= 1;
        Files.write(arrived, corrupted);

        assertThat(destination.describeReceived("m-1", "vm-1")).isNotEqualTo(source.describe("vm-1"));
    }

    @Test
    void everyOperationRepeatedIsANoOp() throws Exception {
        source.defineVm("vm-1", "web", image(1));
        source.defineVm("vm-1", "other", image(2));
        assertThat(source.list()).containsExactly(new VmInfo("vm-1", "web", VmState.RUNNING));

        destination.createTarget("m-1", "vm-1");
        destination.createTarget("m-1", "vm-1");
        source.migrateOut("m-1", "vm-1", "h2");
        source.migrateOut("m-1", "vm-1", "h2");
        VmDigests received = destination.describeReceived("m-1", "vm-1");
        destination.resume("m-1", "vm-1");
        destination.resume("m-1", "vm-1");
        // Redelivered after completion: still answers, still nothing to do.
        destination.createTarget("m-1", "vm-1");
        source.migrateOut("m-1", "vm-1", "h2");
        assertThat(destination.describeReceived("m-1", "vm-1")).isEqualTo(received);
        assertThat(root.resolve("h2/incoming/m-1")).doesNotExist();

        source.deregister("vm-1");
        source.deregister("vm-1");
        destination.destroyTarget("m-2", "vm-9");
        assertThat(source.list()).isEmpty();
        assertThat(destination.list()).extracting(VmInfo::vmId).containsExactly("vm-1");
    }

    @Test
    void theSourceMayMigrateOutBeforeTheTargetExists() throws Exception {
        source.defineVm("vm-1", "web", image(3));
        source.migrateOut("m-1", "vm-1", "h2");
        destination.createTarget("m-1", "vm-1");
        destination.resume("m-1", "vm-1");
        assertThat(destination.state("vm-1")).isEqualTo(VmState.RUNNING);
    }

    @Test
    void abortDestroysTheTargetWithWhatArrivedAndLeavesTheSourceRunning() throws Exception {
        source.defineVm("vm-1", "web", image(3));
        destination.createTarget("m-1", "vm-1");
        source.migrateOut("m-1", "vm-1", "h2");

        destination.destroyTarget("m-1", "vm-1");
        destination.destroyTarget("m-1", "vm-1");

        assertThat(destination.state("vm-1")).isEqualTo(VmState.ABSENT);
        assertThat(root.resolve("h2/incoming/m-1")).doesNotExist();
        assertThat(source.state("vm-1")).isEqualTo(VmState.RUNNING);
        assertThatThrownBy(() -> destination.resume("m-1", "vm-1")).isInstanceOf(HypervisorException.class);
    }

    @Test
    void abortAfterResumeBeforeCommitDestroysTheResumedVm() throws Exception {
        source.defineVm("vm-1", "web", image(3));
        destination.createTarget("m-1", "vm-1");
        source.migrateOut("m-1", "vm-1", "h2");
        destination.resume("m-1", "vm-1");

        destination.destroyTarget("m-1", "vm-1");

        assertThat(destination.state("vm-1")).isEqualTo(VmState.ABSENT);
        assertThat(source.state("vm-1")).isEqualTo(VmState.RUNNING);
    }

    @Test
    void refusesWhatCannotSucceed() throws Exception {
        assertThatThrownBy(() -> source.migrateOut("m-1", "vm-unknown", "h2")).isInstanceOf(HypervisorException.class);
        assertThatThrownBy(() -> source.describe("vm-unknown")).isInstanceOf(HypervisorException.class);
        assertThatThrownBy(() -> destination.describeReceived("m-1", "vm-1")).isInstanceOf(HypervisorException.class);
        assertThatThrownBy(() -> destination.createTarget("../../etc", "vm-1")).isInstanceOf(HypervisorException.class);
        assertThatThrownBy(() -> destination.createTarget("m-1", "../h1/vms/vm-1")).isInstanceOf(HypervisorException.class);
        source.defineVm("vm-1", "web", image(1));
        assertThatThrownBy(() -> source.migrateOut("m-1", "vm-1", "h1")).isInstanceOf(HypervisorException.class);
        assertThatThrownBy(() -> source.createTarget("m-1", "vm-1")).isInstanceOf(HypervisorException.class);
    }

    @Test
    void aCrashBetweenPuttingTheVmInPlaceAndMarkingItRunningHealsOnRetry() throws Exception {
        source.defineVm("vm-1", "web", image(3));
        destination.createTarget("m-1", "vm-1");
        source.migrateOut("m-1", "vm-1", "h2");
        // What a crash right after the directory rename leaves behind.
        Path incoming = root.resolve("h2/incoming/m-1");
        Files.writeString(incoming.resolve(FileHypervisor.ORIGIN), "m-1");
        Files.createDirectories(root.resolve("h2/vms"));
        Files.move(incoming, root.resolve("h2/vms/vm-1"));
        assertThat(destination.state("vm-1")).isEqualTo(VmState.PAUSED_AWAITING_STATE);

        destination.resume("m-1", "vm-1");

        assertThat(destination.state("vm-1")).isEqualTo(VmState.RUNNING);
    }

    @Test
    void leavesNoTemporaryFilesBehind() throws Exception {
        source.defineVm("vm-1", "web", image(3));
        destination.createTarget("m-1", "vm-1");
        source.migrateOut("m-1", "vm-1", "h2");
        destination.resume("m-1", "vm-1");
        source.deregister("vm-1");

        try (Stream<Path> files = Files.walk(root)) {
            assertThat(files.map(Path::getFileName).map(Path::toString).filter(name -> name.endsWith(".tmp")))
                    .isEmpty();
        }
        assertThat(Files.readString(root.resolve("h2/vms/vm-1/description.json"), StandardCharsets.UTF_8))
                .contains("\"vmId\":\"vm-1\"").contains("\"name\":\"web\"");
        assertThat(Arrays.equals(Files.readAllBytes(root.resolve("h2/vms/vm-1/image.img")), image(3))).isTrue();
    }

    @Test
    void atStartWhatACrashLeftInTrashIsDeletedAndNothingElse() throws Exception {
        source.defineVm("vm-1", "web", image(1));
        source.defineVm("vm-2", "db", image(2));
        // A crash between moving a deregistered VM to trash and deleting it there.
        Path trash = root.resolve("h1/trash");
        Files.createDirectories(trash);
        Files.move(root.resolve("h1/vms/vm-2"), trash.resolve("3f0c1d2e-leftover"));
        Files.createDirectories(trash.resolve("another/deeper"));
        Files.writeString(trash.resolve("another/deeper/file"), "x");
        destination.createTarget("m-1", "vm-9");

        FileHypervisor restarted = new FileHypervisor(root, "h1", DIGEST);
        assertThat(trash).as("construction changes nothing").isNotEmptyDirectory();
        restarted.recover();

        assertThat(trash).isEmptyDirectory();
        assertThat(restarted.list()).containsExactly(new VmInfo("vm-1", "web", VmState.RUNNING));
        assertThat(restarted.describe("vm-1")).isEqualTo(source.describe("vm-1"));
        assertThat(destination.state("vm-9")).as("another host's files are its own").isEqualTo(VmState.PAUSED_AWAITING_STATE);

        restarted.recover();
        new FileHypervisor(root, "h3", DIGEST).recover();
        assertThat(root.resolve("h3")).as("a host with nothing yet: nothing to do").doesNotExist();
    }
}
