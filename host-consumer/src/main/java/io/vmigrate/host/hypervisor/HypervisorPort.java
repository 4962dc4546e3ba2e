package io.vmigrate.host.hypervisor;

import java.io.IOException;
import java.util.List;

/**
 * What the host agent needs of a hypervisor, narrow enough for a libvirt adapter. Every operation is
 * idempotent: repeating one that was already done is a no-op, so a command redelivered after a crash
 * can simply be carried out again. {@link HypervisorException} means the operation cannot succeed;
 * {@link IOException} means it may succeed if tried again.
 */
public interface HypervisorPort {

    /**
     * Called once when the agent starts, before any command: clears away what a crash interrupted (e.g.
     * a removed VM's files not deleted yet). Nothing to do for a hypervisor that leaves nothing behind.
     */
    default void recover() throws IOException {
    }

    /** Seeds a VM on this host (enrollment of sample VMs); a VM with that id already here is left as is. */
    void defineVm(String vmId, String name, byte[] image) throws HypervisorException, IOException;

    /** Destination: creates the target of an incoming migration, paused, awaiting the migrated state. */
    void createTarget(String migrationId, String vmId) throws HypervisorException, IOException;

    /** Source: sends the VM's state (description and image) to the destination; the VM keeps running here. */
    void migrateOut(String migrationId, String vmId, String destinationHostId) throws HypervisorException, IOException;

    /** Source: the digests of a VM running here, for its attestation. */
    VmDigests describe(String vmId) throws HypervisorException, IOException;

    /** Destination: the digests of what really arrived for an incoming migration. */
    VmDigests describeReceived(String migrationId, String vmId) throws HypervisorException, IOException;

    /** Destination: puts the received state in place and runs the VM. */
    void resume(String migrationId, String vmId) throws HypervisorException, IOException;

    /** Source: removes the original VM after its migration committed. */
    void deregister(String vmId) throws HypervisorException, IOException;

    /** Destination: destroys the target of an aborted migration, received state included. */
    void destroyTarget(String migrationId, String vmId) throws HypervisorException, IOException;

    /** The VMs that run on this host (targets awaiting state are not listed). */
    List<VmInfo> list() throws IOException;

    VmState state(String vmId) throws HypervisorException, IOException;
}
