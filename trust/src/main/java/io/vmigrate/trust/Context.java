package io.vmigrate.trust;

import io.vmigrate.trust.internal.BlobWriter;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a blob belongs: bound as associated data into every signature, wrapped key and so on, so a
 * blob made for one context is refused under any other.
 */
public final class Context {
    private final String migrationId;
    private final String vmId;
    private final String hostId;
    private final String purpose;

    private Context(String migrationId, String vmId, String hostId, String purpose) {
        this.migrationId = Objects.requireNonNull(migrationId, "migrationId");
        this.vmId = Objects.requireNonNull(vmId, "vmId");
        this.hostId = Objects.requireNonNull(hostId, "hostId");
        this.purpose = purpose;
    }

    public static Context of(String migrationId, String vmId, String hostId) {
        return new Context(migrationId, vmId, hostId, null);
    }

    public static Context of(String migrationId, String vmId, String hostId, String purpose) {
        return new Context(migrationId, vmId, hostId, Objects.requireNonNull(purpose, "purpose"));
    }

    /** A copy of this context with the given purpose label, e.g. "deliver-vm-key". */
    public Context withPurpose(String purpose) {
        return of(migrationId, vmId, hostId, purpose);
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

    public Optional<String> purpose() {
        return Optional.ofNullable(purpose);
    }

    /**
     * Canonical, injective encoding: each field as a 4-byte length and UTF-8 bytes; the purpose
     * preceded by a presence byte so "absent" and "empty" differ.
     */
    public byte[] encode() {
        BlobWriter out = new BlobWriter()
                .lengthPrefixedUtf8(migrationId)
                .lengthPrefixedUtf8(vmId)
                .lengthPrefixedUtf8(hostId);
        if (purpose == null) {
            out.u8(0);
        } else {
            out.u8(1).lengthPrefixedUtf8(purpose);
        }
        return out.toByteArray();
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof Context)) {
            return false;
        }
        Context that = (Context) other;
        return migrationId.equals(that.migrationId) && vmId.equals(that.vmId) && hostId.equals(that.hostId)
                && Objects.equals(purpose, that.purpose);
    }

    @Override
    public int hashCode() {
        return Objects.hash(migrationId, vmId, hostId, purpose);
    }

    @Override
    public String toString() {
        return "Context[migrationId=" + migrationId + ", vmId=" + vmId + ", hostId=" + hostId
                + (purpose == null ? "" : ", purpose=" + purpose) + "]";
    }
}
