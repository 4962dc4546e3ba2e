package io.vmigrate.schema.keys;

import io.vmigrate.trust.Context;

/**
 * The associated data every party uses for the same blob, in one place: the center wraps a VM key
 * under {@link #deliverVmKey} and the destination secure zone unwraps under the same context, so a
 * wrapped key moved to another migration, VM or host fails to unwrap.
 */
public final class KeyContexts {

    /** Migration id of a newly registered VM's first key delivery (epoch 0). */
    public static final String REGISTRATION_PREFIX = "register:";

    private KeyContexts() {}

    public static Context deliverVmKey(String migrationId, String vmId, String destinationHostId) {
        return Context.of(migrationId, vmId, destinationHostId, "deliver-vm-key");
    }

    /** Center-side custody of a VM private key under the vault's key-encryption key. */
    public static byte[] vaultedVmKeyAssociatedData(String vmId, long epoch) {
        return Context.of("", vmId, "", "vaulted-vm-key@" + epoch).encode();
    }

    /** Every request an agent relays to its secure zone is signed under this context. */
    public static Context secureZoneRelay(String hostId) {
        return Context.of("", "", hostId, "secure-zone-relay");
    }

    public static String registrationMigrationId(String vmId) {
        return REGISTRATION_PREFIX + vmId;
    }

    public static boolean isRegistration(String migrationId) {
        return migrationId.startsWith(REGISTRATION_PREFIX);
    }
}
