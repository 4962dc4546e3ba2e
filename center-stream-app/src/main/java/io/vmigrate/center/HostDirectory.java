package io.vmigrate.center;

import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.registry.HostEnrollment;
import io.vmigrate.schema.registry.TrustRegistryEntries;
import io.vmigrate.schema.registry.TrustRegistryEntry;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.Verifier;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Enrolled hosts as the workflow sees them: the center-verified {@code trust-registry} global store.
 * One instance per processor (single-threaded), so its verifier cache needs no locking.
 */
final class HostDirectory {

    static final String HOST_ENTRY_PREFIX = TrustRegistryEntries.HOST_ENTRY_PREFIX;
    static final String CENTER_ENTRY_PREFIX = TrustRegistryEntries.CENTER_ENTRY_PREFIX;

    private final ReadOnlyKeyValueStore<String, TrustRegistryEntry> registry;
    private final CryptoSuite crypto;
    private final Map<String, Verifier> verifiers = new HashMap<>();

    HostDirectory(ReadOnlyKeyValueStore<String, TrustRegistryEntry> registry, CryptoSuite crypto) {
        this.registry = registry;
        this.crypto = crypto;
    }

    static String hostEntryId(String hostId) {
        return TrustRegistryEntries.hostEntryId(hostId);
    }

    Optional<HostEnrollment> enrolled(String hostId) {
        if (hostId == null) {
            return Optional.empty();
        }
        TrustRegistryEntry entry = registry.get(hostEntryId(hostId));
        if (entry == null || entry.getRevoked() || entry.getHost() == null) {
            return Optional.empty();
        }
        return Optional.of(entry.getHost());
    }

    boolean isEnrolled(String hostId) {
        return enrolled(hostId).isPresent();
    }

    /** Whether {@code hostId} was approved once and has been retired since. */
    boolean isRetired(String hostId) {
        TrustRegistryEntry entry = hostId == null ? null : registry.get(hostEntryId(hostId));
        return entry != null && entry.getRevoked();
    }

    /** Whether {@code hostId} enrolled and waits for an operator's approval. */
    boolean isPending(String hostId) {
        return hostId != null && registry.get(TrustRegistryEntries.pendingHostEntryId(hostId)) != null;
    }

    Optional<PublicKeyHandle> encapsulationKey(String hostId) {
        return enrolled(hostId).map(host -> PublicKeyRecords.fromRecord(host.getSecureZoneEncapsulationKey()));
    }

    /**
     * The verifier of {@code keyId} only if it is the registered secure-zone signing key of
     * {@code hostId}: a reply signed by another host's key, or by an agent key, finds nothing.
     */
    Optional<Verifier> secureZoneVerifier(String hostId, String keyId) {
        return enrolled(hostId)
                .map(HostEnrollment::getSecureZoneSigningKey)
                .filter(key -> key.getKeyId().equals(keyId))
                .map(key -> verifiers.computeIfAbsent(keyId, id -> crypto.verifier(PublicKeyRecords.fromRecord(key))));
    }
}
