package io.vmigrate.schema.envelope;

import java.util.Objects;

/** Whom an envelope concerns: the migration, the VM, the host it is for or from, and the binding epoch acted on. */
public final class Addressing {

    private final String migrationId;
    private final String vmId;
    private final String hostId;
    private final long bindingEpoch;

    private Addressing(String migrationId, String vmId, String hostId, long bindingEpoch) {
        this.migrationId = Objects.requireNonNull(migrationId, "migrationId");
        this.vmId = Objects.requireNonNull(vmId, "vmId");
        this.hostId = Objects.requireNonNull(hostId, "hostId");
        this.bindingEpoch = bindingEpoch;
    }

    public static Addressing of(String migrationId, String vmId, String hostId, long bindingEpoch) {
        return new Addressing(migrationId, vmId, hostId, bindingEpoch);
    }

    public String migrationId() {
        return migrationId;
    }

    public String vmId() {
        return vmId;
    }

    public String hostId() {
        return hostId;
    }

    public long bindingEpoch() {
        return bindingEpoch;
    }
}
