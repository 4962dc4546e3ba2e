package io.vmigrate.faultrun.invariants;

import io.vmigrate.faultrun.RunLayout;
import io.vmigrate.host.hypervisor.FileHypervisor;
import io.vmigrate.host.hypervisor.HypervisorPort;
import io.vmigrate.host.hypervisor.VmInfo;
import io.vmigrate.trust.CryptoSuites;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The VMs in each host's hypervisor state on disk, through the hypervisor's own read API (nothing is changed). */
public final class VmsOnDisk {

    private VmsOnDisk() {}

    public static PerHost<String> read(RunLayout layout) {
        Map<String, List<String>> byHost = new TreeMap<>();
        Map<String, String> unreadable = new TreeMap<>();
        for (String host : layout.hostIds()) {
            HypervisorPort hypervisor = new FileHypervisor(layout.hypervisorRoot(), host,
                    CryptoSuites.get(layout.suite()).digest());
            try {
                byHost.put(host, hypervisor.list().stream().map(VmInfo::vmId).toList());
            } catch (IOException e) {
                unreadable.put(host, e.getMessage());
            }
        }
        return new PerHost<>(byHost, unreadable);
    }
}
