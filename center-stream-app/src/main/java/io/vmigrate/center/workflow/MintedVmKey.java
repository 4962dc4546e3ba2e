package io.vmigrate.center.workflow;

import io.vmigrate.schema.center.VaultedVmKey;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A freshly minted VM key: {@code vaulted} under the vault's KEK (for {@code vm-keys}), its public
 * key's fingerprint, and the private key wrapped to the destination secure zone for DeliverVmKey.
 */
public record MintedVmKey(VaultedVmKey vaulted, String fingerprint, ByteBuffer wrappedForHost) {

    public MintedVmKey {
        Objects.requireNonNull(vaulted, "vaulted");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(wrappedForHost, "wrappedForHost");
    }
}
