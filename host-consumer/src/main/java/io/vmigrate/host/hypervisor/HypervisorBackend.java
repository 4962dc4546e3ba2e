package io.vmigrate.host.hypervisor;

import io.vmigrate.trust.Digest;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The hypervisors a host agent can drive, chosen by {@code vmigrate.hypervisor.backend}. Each builds
 * its {@link HypervisorPort} from {@link HypervisorSettings}; the agent knows only the port, so another
 * backend (libvirt, say) is one more constant here.
 */
public enum HypervisorBackend {

    /** VMs as folders under {@code vmigrate.hypervisor.root}, one folder per host. */
    FILE {
        @Override
        public HypervisorPort create(HypervisorSettings settings, Digest digest) {
            return new FileHypervisor(settings.root(), settings.hostId(), digest);
        }
    };

    /** The hypervisor of this backend for the configured host. */
    public abstract HypervisorPort create(HypervisorSettings settings, Digest digest);

    /** The name that selects this backend in the configuration. */
    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Every backend's config value, e.g. for an error message. */
    public static List<String> configValues() {
        return Arrays.stream(values()).map(HypervisorBackend::configValue).collect(Collectors.toList());
    }

    /**
     * @throws IllegalArgumentException naming the allowed values, if {@code value} selects no backend
     */
    public static HypervisorBackend parse(String value) {
        for (HypervisorBackend backend : values()) {
            if (backend.configValue().equals(value)) {
                return backend;
            }
        }
        throw new IllegalArgumentException("unknown hypervisor backend '" + value + "'; allowed: "
                + String.join(", ", configValues()));
    }
}
