package io.vmigrate.host.hypervisor;

import io.vmigrate.common.io.AtomicFiles;
import io.vmigrate.schema.topic.HostIds;
import io.vmigrate.trust.Digest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A hypervisor made of files, so that a migration really moves bytes and the attestation really covers
 * them. All hosts share one root directory:
 *
 * <pre>
 * &lt;root&gt;/&lt;hostId&gt;/vms/&lt;vmId&gt;/description.json, image.img, state, [origin = migration id it arrived with]
 * &lt;root&gt;/&lt;hostId&gt;/incoming/&lt;migrationId&gt;/target (vm id, written by createTarget), state,
 *                                       description.json, image.img, received (vm id, written last by the source)
 * &lt;root&gt;/&lt;hostId&gt;/staging/, trash/   (whole VMs appear and disappear by atomic directory renames)
 * </pre>
 *
 * Every file is written crash-safely (temp, fsync, atomic rename); a VM directory appears in
 * {@code vms/} or leaves it by one rename, so a crash never leaves half a VM there. What leaves goes to
 * {@code trash/} and is deleted there; what a crash left in {@code trash/} goes at {@link #recover}.
 */
public final class FileHypervisor implements HypervisorPort {

    public static final String DESCRIPTION = "description.json";
    public static final String IMAGE = "image.img";
    public static final String STATE = "state";
    public static final String ORIGIN = "origin";
    public static final String TARGET = "target";
    public static final String RECEIVED = "received";
    /** Images are digested chunk by chunk, so a large image is streamed, never held in memory. */
    public static final int MANIFEST_CHUNK_BYTES = 1 << 20;

    private static final Logger LOG = LoggerFactory.getLogger(FileHypervisor.class);
    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,199}");
    private static final byte[] MANIFEST_LABEL = "vmigrate-image-manifest-v1".getBytes(StandardCharsets.US_ASCII);

    private final Path root;
    private final String hostId;
    private final Digest digest;

    public FileHypervisor(Path root, String hostId, Digest digest) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath();
        this.hostId = HostIds.requireValid(hostId);
        this.digest = Objects.requireNonNull(digest, "digest");
    }

    public Path hostDirectory() {
        return hostDir(hostId);
    }

    /**
     * Deletes what {@link #discard} moved to {@code trash/} but a crash kept it from deleting. Only this
     * host's agent writes its trash, and only inside synchronized operations, so nothing there is in use.
     */
    @Override
    public synchronized void recover() throws IOException {
        Path trash = trashDir();
        if (!Files.isDirectory(trash)) {
            return;
        }
        int removed = 0;
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(trash)) {
            for (Path leftover : leftovers) {
                AtomicFiles.deleteTree(leftover);
                removed++;
            }
        }
        if (removed > 0) {
            LOG.info("host {}: deleted {} removed VM directories a crash left in trash", hostId, removed);
        }
    }

    @Override
    public synchronized void defineVm(String vmId, String name, byte[] image) throws HypervisorException, IOException {
        Path vm = vmDir(vmId);
        if (Files.isDirectory(vm)) {
            return;
        }
        Path staging = hostDirectory().resolve("staging").resolve(UUID.randomUUID().toString());
        Files.createDirectories(staging);
        AtomicFiles.write(staging.resolve(DESCRIPTION), description(vmId, name, image.length));
        AtomicFiles.write(staging.resolve(IMAGE), image);
        AtomicFiles.write(staging.resolve(STATE), ascii(VmState.RUNNING.name()));
        AtomicFiles.rename(staging, vm);
        LOG.info("host {}: defined VM {} ({} image bytes)", hostId, vmId, image.length);
    }

    @Override
    public synchronized void createTarget(String migrationId, String vmId) throws HypervisorException, IOException {
        Path incoming = incomingDir(migrationId);
        if (arrivedWith(vmId, migrationId)) {
            return;
        }
        if (Files.isDirectory(vmDir(vmId))) {
            throw new HypervisorException("VM " + vmId + " already runs on host " + hostId
                    + "; cannot create a target for migration " + migrationId);
        }
        if (Files.exists(incoming.resolve(TARGET))) {
            requireNames(incoming.resolve(TARGET), vmId, migrationId);
            return;
        }
        Files.createDirectories(incoming);
        AtomicFiles.write(incoming.resolve(STATE), ascii(VmState.PAUSED_AWAITING_STATE.name()));
        AtomicFiles.write(incoming.resolve(TARGET), ascii(vmId));
        LOG.info("host {}: created paused target of VM {} for migration {}", hostId, vmId, migrationId);
    }

    @Override
    public synchronized void migrateOut(String migrationId, String vmId, String destinationHostId)
            throws HypervisorException, IOException {
        requireSafe(migrationId);
        if (!HostIds.isValid(destinationHostId) || destinationHostId.equals(hostId)) {
            throw new HypervisorException("invalid destination host '" + destinationHostId + "' for migration " + migrationId);
        }
        Path destinationVm = hostDir(destinationHostId).resolve("vms").resolve(requireSafe(vmId));
        Path incoming = hostDir(destinationHostId).resolve("incoming").resolve(migrationId);
        if (Files.exists(incoming.resolve(RECEIVED)) || migrationOf(destinationVm).filter(migrationId::equals).isPresent()) {
            return;
        }
        Path source = existingVmDir(vmId);
        Files.createDirectories(incoming);
        AtomicFiles.copy(source.resolve(DESCRIPTION), incoming.resolve(DESCRIPTION));
        AtomicFiles.copy(source.resolve(IMAGE), incoming.resolve(IMAGE));
        // Written last: its presence says the whole state arrived.
        AtomicFiles.write(incoming.resolve(RECEIVED), ascii(vmId));
        LOG.info("host {}: migrated VM {} out to host {} for migration {}", hostId, vmId, destinationHostId, migrationId);
    }

    @Override
    public VmDigests describe(String vmId) throws HypervisorException, IOException {
        return digestsOf(existingVmDir(vmId));
    }

    @Override
    public synchronized VmDigests describeReceived(String migrationId, String vmId) throws HypervisorException, IOException {
        if (arrivedWith(vmId, migrationId)) {
            return digestsOf(vmDir(vmId));
        }
        Path incoming = incomingDir(migrationId);
        Path received = incoming.resolve(RECEIVED);
        if (!Files.exists(received)) {
            throw new HypervisorException("no state of VM " + vmId + " received for migration " + migrationId);
        }
        requireNames(received, vmId, migrationId);
        return digestsOf(incoming);
    }

    @Override
    public synchronized void resume(String migrationId, String vmId) throws HypervisorException, IOException {
        Path vm = vmDir(vmId);
        if (arrivedWith(vmId, migrationId)) {
            // A crash may have come between the rename and the state write.
            markRunning(vm);
            return;
        }
        Path incoming = incomingDir(migrationId);
        if (!Files.exists(incoming.resolve(RECEIVED))) {
            throw new HypervisorException("cannot resume VM " + vmId + ": no state received for migration " + migrationId);
        }
        requireNames(incoming.resolve(RECEIVED), vmId, migrationId);
        if (Files.exists(vm)) {
            throw new HypervisorException("cannot resume VM " + vmId + " for migration " + migrationId
                    + ": another VM with that id runs on host " + hostId);
        }
        AtomicFiles.write(incoming.resolve(ORIGIN), ascii(migrationId));
        try {
            AtomicFiles.rename(incoming, vm);
        } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
            throw new HypervisorException("cannot resume VM " + vmId + ": " + vm + " is in the way");
        }
        markRunning(vm);
        LOG.info("host {}: resumed VM {} from migration {}", hostId, vmId, migrationId);
    }

    @Override
    public synchronized void deregister(String vmId) throws HypervisorException, IOException {
        Path vm = vmDir(vmId);
        if (!Files.exists(vm)) {
            return;
        }
        discard(vm);
        LOG.info("host {}: deregistered VM {}", hostId, vmId);
    }

    @Override
    public synchronized void destroyTarget(String migrationId, String vmId) throws HypervisorException, IOException {
        Path incoming = incomingDir(migrationId);
        if (Files.exists(incoming)) {
            discard(incoming);
            LOG.info("host {}: destroyed target of VM {} for migration {}", hostId, vmId, migrationId);
        }
        // Resumed but not committed (e.g. the deadline passed just before): it must not run on two hosts.
        if (arrivedWith(vmId, migrationId)) {
            discard(vmDir(vmId));
            LOG.info("host {}: destroyed resumed VM {} of aborted migration {}", hostId, vmId, migrationId);
        }
    }

    @Override
    public synchronized List<VmInfo> list() throws IOException {
        Path vms = hostDirectory().resolve("vms");
        List<VmInfo> result = new ArrayList<>();
        if (!Files.isDirectory(vms)) {
            return result;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(vms)) {
            for (Path vm : entries) {
                String vmId = vm.getFileName().toString();
                if (!SAFE_ID.matcher(vmId).matches() || !Files.exists(vm.resolve(DESCRIPTION))) {
                    continue;
                }
                result.add(new VmInfo(vmId, nameOf(vm), readState(vm)));
            }
        }
        result.sort(Comparator.comparing(VmInfo::vmId));
        return result;
    }

    @Override
    public synchronized VmState state(String vmId) throws HypervisorException, IOException {
        Path vm = vmDir(vmId);
        if (Files.isDirectory(vm)) {
            return readState(vm);
        }
        Path incoming = hostDirectory().resolve("incoming");
        if (Files.isDirectory(incoming)) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(incoming)) {
                for (Path target : entries) {
                    Path marker = target.resolve(TARGET);
                    if (Files.exists(marker) && vmId.equals(readAscii(marker))) {
                        return VmState.PAUSED_AWAITING_STATE;
                    }
                }
            }
        }
        return VmState.ABSENT;
    }

    /** Description digest, and the image manifest: chunk digests of fixed-size chunks, digested again. */
    private VmDigests digestsOf(Path dir) throws IOException {
        byte[] descriptionDigest = digest.digest(Files.readAllBytes(dir.resolve(DESCRIPTION)));
        var chunkDigests = new ByteArrayOutputStream();
        long size = 0;
        try (InputStream in = Files.newInputStream(dir.resolve(IMAGE))) {
            byte[] chunk = new byte[MANIFEST_CHUNK_BYTES];
            int filled;
            while ((filled = in.readNBytes(chunk, 0, chunk.length)) > 0) {
                byte[] part = filled == chunk.length ? chunk : java.util.Arrays.copyOf(chunk, filled);
                chunkDigests.write(digest.digest(part));
                size += filled;
            }
        }
        byte[] header = ByteBuffer.allocate(16).putLong(size).putLong(MANIFEST_CHUNK_BYTES).array();
        byte[] manifestDigest = digest.digest(MANIFEST_LABEL, header, chunkDigests.toByteArray());
        return new VmDigests(descriptionDigest, manifestDigest);
    }

    private boolean arrivedWith(String vmId, String migrationId) throws HypervisorException, IOException {
        requireSafe(migrationId);
        return migrationOf(vmDir(vmId)).filter(migrationId::equals).isPresent();
    }

    private static Optional<String> migrationOf(Path vm) throws IOException {
        Path origin = vm.resolve(ORIGIN);
        return Files.exists(origin) ? Optional.of(readAscii(origin)) : Optional.empty();
    }

    private void markRunning(Path vm) throws IOException {
        if (readState(vm) != VmState.RUNNING) {
            AtomicFiles.write(vm.resolve(STATE), ascii(VmState.RUNNING.name()));
        }
    }

    /** Moves a directory out of sight in one rename, then deletes it at leisure. */
    private void discard(Path dir) throws IOException {
        Path trash = trashDir().resolve(UUID.randomUUID().toString());
        AtomicFiles.rename(dir, trash);
        AtomicFiles.deleteTree(trash);
    }

    private static VmState readState(Path vm) throws IOException {
        Path state = vm.resolve(STATE);
        if (!Files.exists(state)) {
            return VmState.PAUSED_AWAITING_STATE;
        }
        try {
            return VmState.valueOf(readAscii(state));
        } catch (IllegalArgumentException e) {
            throw new IOException("unreadable VM state in " + state, e);
        }
    }

    private static void requireNames(Path marker, String vmId, String migrationId) throws HypervisorException, IOException {
        String named = readAscii(marker);
        if (!named.equals(vmId)) {
            throw new HypervisorException("migration " + migrationId + " concerns VM " + named + ", not " + vmId);
        }
    }

    private Path existingVmDir(String vmId) throws HypervisorException {
        Path vm = vmDir(vmId);
        if (!Files.isDirectory(vm)) {
            throw new HypervisorException("VM " + vmId + " does not run on host " + hostId);
        }
        return vm;
    }

    private Path vmDir(String vmId) throws HypervisorException {
        return hostDirectory().resolve("vms").resolve(requireSafe(vmId));
    }

    private Path trashDir() {
        return hostDirectory().resolve("trash");
    }

    private Path incomingDir(String migrationId) throws HypervisorException {
        return hostDirectory().resolve("incoming").resolve(requireSafe(migrationId));
    }

    private Path hostDir(String host) {
        return root.resolve(host);
    }

    /** Ids become path components: anything that could climb out of a host's directory is refused. */
    private static String requireSafe(String id) throws HypervisorException {
        if (id == null || !SAFE_ID.matcher(id).matches() || id.contains("..")) {
            throw new HypervisorException("id '" + id + "' cannot name a VM or migration on this hypervisor");
        }
        return id;
    }

    private static String nameOf(Path vm) throws IOException {
        String json = new String(Files.readAllBytes(vm.resolve(DESCRIPTION)), StandardCharsets.UTF_8);
        return DescriptionJson.stringField(json, "name").orElse("");
    }

    private static byte[] description(String vmId, String name, long imageBytes) {
        return DescriptionJson.of(vmId, name, IMAGE, imageBytes).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String readAscii(Path file) throws IOException {
        return new String(Files.readAllBytes(file), StandardCharsets.UTF_8).strip();
    }
}
