package io.vmigrate.center;

import io.vmigrate.schema.common.Suite;
import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.registry.CenterKey;
import io.vmigrate.schema.registry.EnrollmentProof;
import io.vmigrate.schema.registry.HostEnrollment;
import io.vmigrate.schema.registry.TrustRegistryEntry;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.trust.MalformedBlobException;
import io.vmigrate.trust.SignatureBlob;
import io.vmigrate.trust.SignatureRefusedException;
import io.vmigrate.trust.Signer;
import io.vmigrate.trust.Verifier;
import java.nio.ByteBuffer;
import java.time.Instant;

/** Builds and checks center-signed {@code trust.registry} entries. */
public final class TrustRegistryEntries {

    private TrustRegistryEntries() {}

    /** The entry of an enrolled host, key {@code host:<hostId>}. */
    public static TrustRegistryEntry host(HostEnrollment host, Instant registeredAt, Signer center) {
        return sign(TrustRegistryEntry.newBuilder()
                .setEntryId(HostDirectory.hostEntryId(host.getHostId()))
                .setRegisteredAt(registeredAt)
                .setHost(host)
                .setCenterKey(null)
                .setRevoked(false), center);
    }

    /** The center's own key, self-signed, key {@code center:<keyId>}. */
    public static TrustRegistryEntry centerKey(CenterVault vault, Instant validFrom) {
        CenterKey key = CenterKey.newBuilder()
                .setKey(PublicKeyRecords.toRecord(vault.centerPublicKey()))
                .setValidFrom(validFrom)
                .setValidUntil(null)
                .build();
        return sign(TrustRegistryEntry.newBuilder()
                .setEntryId(HostDirectory.CENTER_ENTRY_PREFIX + vault.centerPublicKey().keyId())
                .setRegisteredAt(validFrom)
                .setHost(null)
                .setCenterKey(key)
                .setRevoked(false), vault.signer());
    }

    private static TrustRegistryEntry sign(TrustRegistryEntry.Builder builder, Signer center) {
        TrustRegistryEntry entry = builder
                .setSuite(Suite.valueOf(center.suite().name()))
                .setSignerKeyId(center.keyId().toString())
                .setSignature(ByteBuffer.allocate(0))
                .build();
        byte[] signature = center.sign(EnrollmentProof.registrySigningInput(entry), EnrollmentProof.registryContext(entry)).toBytes();
        entry.setSignature(ByteBuffer.wrap(signature));
        return entry;
    }

    /** True only if {@code entry} is signed by {@code center}'s key. */
    public static boolean isSignedBy(TrustRegistryEntry entry, Verifier center) {
        if (!center.keyId().toString().equals(entry.getSignerKeyId())) {
            return false;
        }
        try {
            center.verify(SignatureBlob.parse(ByteBuffers.toArray(entry.getSignature())),
                    EnrollmentProof.registrySigningInput(entry), EnrollmentProof.registryContext(entry));
            return true;
        } catch (MalformedBlobException | SignatureRefusedException e) {
            return false;
        }
    }
}
