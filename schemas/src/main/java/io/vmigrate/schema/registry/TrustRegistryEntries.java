package io.vmigrate.schema.registry;

import io.vmigrate.schema.keys.WireEnums;
import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.trust.MalformedBlobException;
import io.vmigrate.trust.SignatureBlob;
import io.vmigrate.trust.SignatureRefusedException;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.Signer;
import io.vmigrate.trust.Verifier;
import java.nio.ByteBuffer;
import java.time.Instant;

/** Builds and checks center-signed {@code trust.registry} entries. */
public final class TrustRegistryEntries {

    /** Registry keys: {@code host:<hostId>} for an enrolled host, {@code center:<keyId>} for a center key. */
    public static final String HOST_ENTRY_PREFIX = "host:";
    public static final String CENTER_ENTRY_PREFIX = "center:";
    /**
     * {@code pending-host:<hostId>}: a host whose proof of possession verified but that no operator has
     * approved yet. Published so pending hosts are visible; never read as an enrolled host.
     */
    public static final String PENDING_HOST_ENTRY_PREFIX = "pending-host:";

    private TrustRegistryEntries() {}

    public static String hostEntryId(String hostId) {
        return HOST_ENTRY_PREFIX + hostId;
    }

    public static String pendingHostEntryId(String hostId) {
        return PENDING_HOST_ENTRY_PREFIX + hostId;
    }

    /** The entry of an enrolled (approved) host, key {@code host:<hostId>}. */
    public static TrustRegistryEntry host(HostEnrollment host, Instant registeredAt, Signer center) {
        return hostEntry(hostEntryId(host.getHostId()), host, registeredAt, false, center);
    }

    /** A retired host, key {@code host:<hostId>}, revoked: its keys are refused from then on. */
    public static TrustRegistryEntry retiredHost(HostEnrollment host, Instant retiredAt, Signer center) {
        return hostEntry(hostEntryId(host.getHostId()), host, retiredAt, true, center);
    }

    /** A host waiting for approval, key {@code pending-host:<hostId>}. */
    public static TrustRegistryEntry pendingHost(HostEnrollment host, Instant registeredAt, Signer center) {
        return hostEntry(pendingHostEntryId(host.getHostId()), host, registeredAt, false, center);
    }

    private static TrustRegistryEntry hostEntry(String entryId, HostEnrollment host, Instant at, boolean revoked,
            Signer center) {
        return sign(TrustRegistryEntry.newBuilder()
                .setEntryId(entryId)
                .setRegisteredAt(at)
                .setHost(host)
                .setCenterKey(null)
                .setRevoked(revoked), center);
    }

    /** The center's own key, self-signed, key {@code center:<keyId>}. */
    public static TrustRegistryEntry centerKey(PublicKeyHandle centerKey, Signer center, Instant validFrom) {
        CenterKey key = CenterKey.newBuilder()
                .setKey(PublicKeyRecords.toRecord(centerKey))
                .setValidFrom(validFrom)
                .setValidUntil(null)
                .build();
        return sign(TrustRegistryEntry.newBuilder()
                .setEntryId(CENTER_ENTRY_PREFIX + centerKey.keyId())
                .setRegisteredAt(validFrom)
                .setHost(null)
                .setCenterKey(key)
                .setRevoked(false), center);
    }

    /** A center key and the instants it signs between ({@code validUntil} null: until further notice). */
    public static CenterKey centerKeyValidity(PublicKeyHandle centerKey, Instant validFrom, Instant validUntil) {
        return CenterKey.newBuilder()
                .setKey(PublicKeyRecords.toRecord(centerKey))
                .setValidFrom(validFrom)
                .setValidUntil(validUntil)
                .build();
    }

    /**
     * A center key's entry, key {@code center:<keyId>}, signed by {@code signer}: the key itself, or
     * after a rotation the key that announced it (so the registry chains from the pinned key).
     */
    public static TrustRegistryEntry centerKey(CenterKey key, Instant registeredAt, Signer signer) {
        return sign(TrustRegistryEntry.newBuilder()
                .setEntryId(CENTER_ENTRY_PREFIX + key.getKey().getKeyId())
                .setRegisteredAt(registeredAt)
                .setHost(null)
                .setCenterKey(key)
                .setRevoked(false), signer);
    }

    private static TrustRegistryEntry sign(TrustRegistryEntry.Builder builder, Signer center) {
        TrustRegistryEntry entry = builder
                .setSuite(WireEnums.toWire(center.suite()))
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
