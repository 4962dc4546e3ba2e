package io.vmigrate.schema.registry;

import io.vmigrate.schema.common.PublicKeyRecord;
import io.vmigrate.schema.serde.CanonicalBytes;
import io.vmigrate.trust.Context;

/**
 * What a secure zone signs to prove it holds the keys a host enrolls with, and what the center
 * signs into a trust-registry entry. Field by field, so the bytes never depend on a schema version.
 */
public final class EnrollmentProof {

    public static final String PURPOSE = "enrollment";
    public static final String REGISTRY_PURPOSE = "trust-registry";

    private EnrollmentProof() {}

    /** The secure zone's proof of possession over the host id and its three public keys. */
    public static byte[] signingInput(String hostId, PublicKeyRecord signingKey, PublicKeyRecord encapsulationKey,
            PublicKeyRecord agentKey) {
        CanonicalBytes out = new CanonicalBytes().text("vmigrate-enrollment-v1").text(hostId);
        key(out, signingKey);
        key(out, encapsulationKey);
        key(out, agentKey);
        return out.toByteArray();
    }

    public static Context context(String hostId) {
        return Context.of("", "", hostId, PURPOSE);
    }

    /** What the center signs in a {@link TrustRegistryEntry}: every field but the signature. */
    public static byte[] registrySigningInput(TrustRegistryEntry entry) {
        CanonicalBytes out = new CanonicalBytes()
                .text("vmigrate-trust-registry-v1")
                .text(entry.getEntryId())
                .int64(entry.getRegisteredAt().toEpochMilli())
                .flag(entry.getRevoked())
                .text(entry.getSuite().name())
                .text(entry.getSignerKeyId());
        HostEnrollment host = entry.getHost();
        out.flag(host != null);
        if (host != null) {
            out.text(host.getHostId());
            key(out, host.getSecureZoneSigningKey());
            key(out, host.getSecureZoneEncapsulationKey());
            key(out, host.getAgentKey());
            out.text(host.getCommandTopic());
        }
        CenterKey center = entry.getCenterKey();
        out.flag(center != null);
        if (center != null) {
            key(out, center.getKey());
            out.int64(center.getValidFrom().toEpochMilli());
            out.int64(center.getValidUntil() == null ? -1 : center.getValidUntil().toEpochMilli());
        }
        return out.toByteArray();
    }

    public static Context registryContext(TrustRegistryEntry entry) {
        return Context.of("", "", entry.getEntryId(), REGISTRY_PURPOSE);
    }

    private static void key(CanonicalBytes out, PublicKeyRecord key) {
        out.text(key.getSuite().name()).text(key.getPurpose().name()).text(key.getKeyId()).bytes(key.getSpki());
    }
}
