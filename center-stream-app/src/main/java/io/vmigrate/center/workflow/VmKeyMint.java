package io.vmigrate.center.workflow;

import java.time.Instant;
import java.util.Optional;

/**
 * Mints a VM key in the vault and wraps it to a host's secure zone: the one step of the workflow
 * that needs randomness and key material, which the machine must never hold in the clear.
 */
@FunctionalInterface
public interface VmKeyMint {

    /**
     * The VM key of {@code epoch}, wrapped to {@code hostId}'s registered encapsulation key for the
     * DeliverVmKey of {@code migrationId}; empty if that host has no such key (not enrolled).
     */
    Optional<MintedVmKey> mint(String migrationId, String vmId, long epoch, String hostId, Instant now);
}
