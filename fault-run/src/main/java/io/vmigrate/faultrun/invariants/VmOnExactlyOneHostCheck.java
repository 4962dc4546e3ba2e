package io.vmigrate.faultrun.invariants;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@link Invariant#VM_ON_EXACTLY_ONE_HOST}: every VM on the hosts' disks is on one host only, is bound, and
 * its binding names that host; every bound VM is on a disk.
 */
public final class VmOnExactlyOneHostCheck {

    private VmOnExactlyOneHostCheck() {}

    /** {@code vmsOnDisk}: the VM ids in each host's hypervisor; {@code bindings}: the current binding of each VM. */
    public static InvariantResult check(PerHost<String> vmsOnDisk, Map<String, InventoryRecord> bindings) {
        List<Violation> violations = new ArrayList<>();
        vmsOnDisk.unreadable().forEach((host, why) -> violations.add(violation(
                "cannot read the VMs of host " + host + ": " + why, List.of())));
        Map<String, SortedSet<String>> hostsOf = new TreeMap<>();
        vmsOnDisk.byHost().forEach((host, vms) -> vms.forEach(vm -> hostsOf.computeIfAbsent(vm, v -> new TreeSet<>()).add(host)));
        SortedSet<String> vms = new TreeSet<>(hostsOf.keySet());
        vms.addAll(bindings.keySet());
        for (String vm : vms) {
            SortedSet<String> hosts = hostsOf.getOrDefault(vm, new TreeSet<>());
            InventoryRecord bound = bindings.get(vm);
            List<String> evidence = new ArrayList<>();
            hosts.forEach(host -> evidence.add(onDisk(host, vm)));
            if (bound != null) {
                evidence.add("binding at " + bound.at());
            }
            if (hosts.size() > 1) {
                violations.add(violation("VM " + vm + " exists on " + hosts.size() + " hosts " + hosts
                        + (bound == null ? "" : "; its binding names " + bound.binding().hostId()), evidence));
            } else if (bound == null) {
                violations.add(violation("VM " + vm + " exists on host " + hosts.first() + " but has no binding on vm.inventory",
                        evidence));
            } else if (hosts.isEmpty()) {
                violations.add(violation("VM " + vm + " is bound to host " + bound.binding().hostId() + " (epoch "
                        + bound.binding().epoch() + ") but exists on no host", evidence));
            } else if (!hosts.first().equals(bound.binding().hostId())) {
                violations.add(violation("VM " + vm + " exists on host " + hosts.first() + " but its binding names host "
                        + bound.binding().hostId() + " (epoch " + bound.binding().epoch() + ")", evidence));
            }
        }
        String summary = vmsOnDisk.count() + " VMs on " + (vmsOnDisk.byHost().size() + vmsOnDisk.unreadable().size())
                + " hosts, " + bindings.size() + " bindings";
        return new InvariantResult(Invariant.VM_ON_EXACTLY_ONE_HOST, summary, violations, List.of());
    }

    private static String onDisk(String host, String vm) {
        return "hypervisor/" + host + "/vms/" + vm;
    }

    private static Violation violation(String detail, List<String> evidence) {
        return new Violation(Invariant.VM_ON_EXACTLY_ONE_HOST, detail, evidence);
    }
}
