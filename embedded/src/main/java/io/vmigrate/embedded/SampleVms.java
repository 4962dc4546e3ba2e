package io.vmigrate.embedded;

import io.vmigrate.host.hypervisor.HypervisorException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * The embedded system's sample VMs: {@code vm-1, vm-2, ...} numbered across hosts, defined with a random
 * image the first time; a restart finds them where migrations left them.
 */
final class SampleVms {

    private static final int IMAGE_BYTES = 256 * 1024;

    private SampleVms() {}

    /** The ids of host number {@code hostNumber}'s sample VMs; defines on {@code host} those no host has yet. */
    static List<String> seed(HostNode host, int hostNumber, int vmsPerHost, Path hypervisorRoot) throws IOException {
        SecureRandom random = new SecureRandom();
        List<String> vmIds = new ArrayList<>();
        for (int i = 1; i <= vmsPerHost; i++) {
            String vmId = "vm-" + ((hostNumber - 1) * vmsPerHost + i);
            vmIds.add(vmId);
            if (isKnownAnywhere(hypervisorRoot, vmId)) {
                continue;
            }
            try {
                host.hypervisor().defineVm(vmId, "sample " + vmId, randomImage(random));
            } catch (HypervisorException e) {
                throw new IllegalStateException("cannot seed " + vmId + " on " + host.hostId() + ": " + e.getMessage(), e);
            }
        }
        return vmIds;
    }

    static byte[] randomImage() {
        return randomImage(new SecureRandom());
    }

    private static byte[] randomImage(SecureRandom random) {
        byte[] image = new byte[IMAGE_BYTES];
        random.nextBytes(image);
        return image;
    }

    private static boolean isKnownAnywhere(Path hypervisorRoot, String vmId) throws IOException {
        if (!Files.isDirectory(hypervisorRoot)) {
            return false;
        }
        try (var hostsDirs = Files.list(hypervisorRoot)) {
            return hostsDirs.anyMatch(hostDir -> Files.isDirectory(hostDir.resolve("vms").resolve(vmId)));
        }
    }
}
