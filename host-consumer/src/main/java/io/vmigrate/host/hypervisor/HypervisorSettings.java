package io.vmigrate.host.hypervisor;

import java.nio.file.Path;
import java.util.Map;

/**
 * What a backend is built from: the host it serves, the root its VMs live under, and every
 * {@code vmigrate.hypervisor.*} setting, so a new backend reads its own keys without the agent changing.
 */
public record HypervisorSettings(String hostId, Path root, Map<String, String> settings) {

    public HypervisorSettings {
        settings = Map.copyOf(settings);
    }
}
