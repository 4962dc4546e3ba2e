package io.vmigrate.forensics;

import io.vmigrate.schema.registry.TrustRegistryEntries;
import io.vmigrate.schema.forensics.ExportedRecord;
import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.registry.CenterKey;
import io.vmigrate.schema.registry.TrustRegistryEntry;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.Verifier;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The keys replay trusts, taken from {@code trust.registry}: center keys (pinned with
 * {@code --center-key}, or else the self-signed {@code center:<keyId>} entries) and each host's
 * secure-zone signing key, accepted only from entries that verify under a center key.
 */
public final class TrustedKeys {

    /** A key and the instant after which it no longer signs (null: still valid). */
    private record Valid(Verifier verifier, Instant until) {
        boolean validAt(Instant at) {
            return until == null || !at.isAfter(until);
        }
    }

    private final Map<String, Valid> centerKeys;
    private final Map<String, Map<String, Valid>> hostSigningKeys;
    private final List<Anomaly> anomalies;
    private final boolean pinned;

    private TrustedKeys(Map<String, Valid> centerKeys, Map<String, Map<String, Valid>> hostSigningKeys,
            List<Anomaly> anomalies, boolean pinned) {
        this.centerKeys = centerKeys;
        this.hostSigningKeys = hostSigningKeys;
        this.anomalies = anomalies;
        this.pinned = pinned;
    }

    /** Reads the trust registry of the cluster that {@code clientProperties} reach, to its current end. */
    public static TrustedKeys loadFromCluster(Map<String, Object> clientProperties,
            Optional<PublicKeyHandle> pinnedCenterKey, Topics topics) throws IOException {
        try (ClusterLogSource registry = ClusterLogSource.open(clientProperties, null, null)) {
            return load(registry, pinnedCenterKey, topics);
        }
    }

    /** Reads the trust registry of {@code source}; {@code pinnedCenterKey} overrides the self-signed entries. */
    public static TrustedKeys load(LogSource source, Optional<PublicKeyHandle> pinnedCenterKey, Topics topics)
            throws IOException {
        Deserializer<TrustRegistryEntry> values = topics.trustRegistry().valueSerde().deserializer();
        List<Located> entries = new ArrayList<>();
        List<Anomaly> anomalies = new ArrayList<>();
        source.read(Topics.TRUST_REGISTRY::equals, record -> {
            RecordCoordinates at = coordinates(record);
            if (record.getValue() == null) {
                return;
            }
            try {
                entries.add(new Located(at, values.deserialize(record.getTopic(), ByteBuffers.toArray(record.getValue()))));
            } catch (RuntimeException e) {
                anomalies.add(Anomaly.at(Rule.MALFORMED_RECORD, at, null, "trust registry entry does not decode"));
            }
        });
        Map<String, Valid> center = centerKeys(entries, pinnedCenterKey, anomalies);
        Map<String, Map<String, Valid>> hosts = new HashMap<>();
        for (Located located : entries) {
            TrustRegistryEntry entry = located.entry();
            if (entry.getHost() == null || entry.getEntryId().startsWith(TrustRegistryEntries.PENDING_HOST_ENTRY_PREFIX)) {
                // A pending host was never trusted: nothing it signed counts.
                continue;
            }
            Valid signer = center.get(entry.getSignerKeyId());
            if (signer == null || !TrustRegistryEntries.isSignedBy(entry, signer.verifier())) {
                anomalies.add(Anomaly.at(Rule.REGISTRY_ENTRY_INVALID, located.at(), null, "host entry "
                        + entry.getEntryId() + " is not signed by a trusted center key (signer " + entry.getSignerKeyId() + ")"));
                continue;
            }
            try {
                PublicKeyHandle key = PublicKeyRecords.fromRecord(entry.getHost().getSecureZoneSigningKey());
                Instant until = entry.getRevoked() ? entry.getRegisteredAt() : null;
                hosts.computeIfAbsent(entry.getHost().getHostId(), h -> new HashMap<>())
                        .put(key.keyId().toString(), new Valid(verifierOf(key), until));
            } catch (RuntimeException e) {
                anomalies.add(Anomaly.at(Rule.MALFORMED_RECORD, located.at(), null,
                        "host entry " + entry.getEntryId() + " holds no valid secure-zone key"));
            }
        }
        return new TrustedKeys(center, hosts, List.copyOf(anomalies), pinnedCenterKey.isPresent());
    }

    private record Located(RecordCoordinates at, TrustRegistryEntry entry) {}

    /**
     * The trusted center keys: the pinned one (else every self-signed {@code center:} entry), then, until
     * nothing changes, every key whose entry a trusted center key signed (after a rotation the new key's
     * entry is signed by the key it succeeds, so the chain is followed from the pin in any read order).
     * A key is valid until the {@code validUntil} (or revocation) of its latest trusted entry.
     */
    private static Map<String, Valid> centerKeys(List<Located> entries, Optional<PublicKeyHandle> pinnedCenterKey,
            List<Anomaly> anomalies) {
        Map<String, Valid> center = new HashMap<>();
        Map<String, Instant> heldRegisteredAt = new HashMap<>();
        pinnedCenterKey.ifPresent(key -> center.put(key.keyId().toString(), new Valid(verifierOf(key), null)));
        List<Located> pending = new ArrayList<>();
        for (Located located : entries) {
            if (located.entry().getCenterKey() != null) {
                pending.add(located);
            }
        }
        boolean changed = true;
        while (changed) {
            changed = false;
            for (var it = pending.iterator(); it.hasNext(); ) {
                Located located = it.next();
                TrustRegistryEntry entry = located.entry();
                PublicKeyHandle key;
                try {
                    key = PublicKeyRecords.fromRecord(entry.getCenterKey().getKey());
                } catch (RuntimeException e) {
                    anomalies.add(Anomaly.at(Rule.MALFORMED_RECORD, located.at(), null,
                            "center key entry " + entry.getEntryId() + " holds no valid key"));
                    it.remove();
                    continue;
                }
                Verifier own = verifierOf(key);
                Valid trustedSigner = center.get(entry.getSignerKeyId());
                Verifier signer = trustedSigner != null ? trustedSigner.verifier()
                        : pinnedCenterKey.isEmpty() && entry.getSignerKeyId().equals(key.keyId().toString()) ? own : null;
                if (signer == null) {
                    continue; // perhaps signed by a key a later pass trusts
                }
                it.remove();
                if (!safelySignedBy(entry, signer)) {
                    anomalies.add(Anomaly.at(Rule.REGISTRY_ENTRY_INVALID, located.at(), null, "center key entry "
                            + entry.getEntryId() + " does not verify under " + entry.getSignerKeyId()));
                    continue;
                }
                String id = key.keyId().toString();
                Instant held = heldRegisteredAt.get(id);
                if (held != null && entry.getRegisteredAt().isBefore(held)) {
                    continue;
                }
                heldRegisteredAt.put(id, entry.getRegisteredAt());
                Instant until = entry.getRevoked() ? entry.getRegisteredAt() : entry.getCenterKey().getValidUntil();
                center.put(id, new Valid(own, until));
                changed = true;
            }
        }
        for (Located located : pending) {
            anomalies.add(Anomaly.at(Rule.REGISTRY_ENTRY_INVALID, located.at(), null, "center key entry "
                    + located.entry().getEntryId() + " is not signed by " + (pinnedCenterKey.isPresent()
                            ? "the pinned center key or a key it chains to" : "its own key or a key it chains to")));
        }
        return center;
    }

    private static boolean safelySignedBy(TrustRegistryEntry entry, Verifier signer) {
        try {
            return TrustRegistryEntries.isSignedBy(entry, signer);
        } catch (RuntimeException e) {
            return false;
        }
    }

    static RecordCoordinates coordinates(ExportedRecord record) {
        return new RecordCoordinates(record.getTopic(), record.getPartition(), record.getOffset());
    }

    private static Verifier verifierOf(PublicKeyHandle key) {
        return CryptoSuites.get(key.suite()).verifier(key);
    }

    /** A center key with this id that was valid at {@code at}. */
    public Optional<Verifier> centerKey(String keyId, Instant at) {
        Valid valid = centerKeys.get(keyId);
        return valid != null && valid.validAt(at) ? Optional.of(valid.verifier()) : Optional.empty();
    }

    /** The registered secure-zone signing key of {@code hostId} with this id, if valid at {@code at}. */
    public Optional<Verifier> hostKey(String hostId, String keyId, Instant at) {
        Valid valid = hostSigningKeys.getOrDefault(hostId, Map.of()).get(keyId);
        return valid != null && valid.validAt(at) ? Optional.of(valid.verifier()) : Optional.empty();
    }

    public boolean hasCenterKey() {
        return !centerKeys.isEmpty();
    }

    public boolean centerKeyPinned() {
        return pinned;
    }

    /** Registry entries that did not verify. */
    public List<Anomaly> anomalies() {
        return anomalies;
    }
}
