package io.vmigrate.host.hypervisor;

import java.util.Objects;

/** A VM present on this host. */
public record VmInfo(String vmId, String name, VmState state) {
    public VmInfo {
        Objects.requireNonNull(vmId, "vmId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(state, "state");
    }
}
