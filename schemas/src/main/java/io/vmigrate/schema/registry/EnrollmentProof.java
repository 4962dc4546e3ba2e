package io.vmigrate.schema.registry;

import io.vmigrate.schema.common.PublicKeyRecord;
import io.vmigrate.trust.Context;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

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
        return encode("vmigrate-enrollment-v1", hostId, signingKey, encapsulationKey, agentKey);
    }

    public static Context context(String hostId) {
        return Context.of("", "", hostId, PURPOSE);
    }

    /** What the center signs in a {@link TrustRegistryEntry}: every field but the signature. */
    public static byte[] registrySigningInput(TrustRegistryEntry entry) {
        var bytes = new ByteArrayOutputStream(512);
        try (var out = new DataOutputStream(bytes)) {
            text(out, "vmigrate-trust-registry-v1");
            text(out, entry.getEntryId());
            out.writeLong(entry.getRegisteredAt().toEpochMilli());
            out.writeBoolean(entry.getRevoked());
            text(out, entry.getSuite().name());
            text(out, entry.getSignerKeyId());
            if (entry.getHost() != null) {
                HostEnrollment host = entry.getHost();
                out.writeByte(1);
                text(out, host.getHostId());
                key(out, host.getSecureZoneSigningKey());
                key(out, host.getSecureZoneEncapsulationKey());
                key(out, host.getAgentKey());
                text(out, host.getCommandTopic());
            } else {
                out.writeByte(0);
            }
            if (entry.getCenterKey() != null) {
                CenterKey center = entry.getCenterKey();
                out.writeByte(1);
                key(out, center.getKey());
                out.writeLong(center.getValidFrom().toEpochMilli());
                out.writeLong(center.getValidUntil() == null ? -1 : center.getValidUntil().toEpochMilli());
            } else {
                out.writeByte(0);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static Context registryContext(TrustRegistryEntry entry) {
        return Context.of("", "", entry.getEntryId(), REGISTRY_PURPOSE);
    }

    private static byte[] encode(String label, String hostId, PublicKeyRecord... keys) {
        var bytes = new ByteArrayOutputStream(512);
        try (var out = new DataOutputStream(bytes)) {
            text(out, label);
            text(out, hostId);
            for (PublicKeyRecord key : keys) {
                key(out, key);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void key(DataOutputStream out, PublicKeyRecord key) throws IOException {
        text(out, key.getSuite().name());
        text(out, key.getPurpose().name());
        text(out, key.getKeyId());
        ByteBuffer spki = key.getSpki().duplicate();
        byte[] der = new byte[spki.remaining()];
        spki.get(der);
        out.writeInt(der.length);
        out.write(der);
    }

    private static void text(DataOutputStream out, String value) throws IOException {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }
}
