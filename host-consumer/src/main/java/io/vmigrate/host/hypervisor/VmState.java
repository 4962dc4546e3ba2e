package io.vmigrate.host.hypervisor;

/** What the hypervisor knows of one VM on this host. */
public enum VmState {
    /** Running here (an original VM, or a migrated-in VM after completion). */
    RUNNING,
    /** A target created for an incoming migration, paused until the migrated state is in place. */
    PAUSED_AWAITING_STATE,
    /** Not on this host. */
    ABSENT
}
