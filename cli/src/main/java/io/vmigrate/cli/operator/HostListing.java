package io.vmigrate.cli.operator;

import io.vmigrate.schema.registry.TrustRegistryEntries;
import io.vmigrate.schema.registry.TrustRegistryEntry;
import io.vmigrate.trust.Verifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The hosts the center knows, from its signed {@code trust.registry} entries: {@code host:<id>}
 * is an approved host (revoked: retired), {@code pending-host:<id>} without a {@code host:} entry a
 * host waiting for approval. Entries not signed by the center key are not shown (they count).
 */
public final class HostListing {

    /** What state a host is in. */
    public enum State { PENDING, APPROVED, RETIRED }

    /** One host, with the fingerprint (key id) of its secure-zone signing key. */
    public record Host(String hostId, State state, String fingerprint) {}

    private final List<Host> hosts;
    private final int unsigned;

    private HostListing(List<Host> hosts, int unsigned) {
        this.hosts = List.copyOf(hosts);
        this.unsigned = unsigned;
    }

    /**
     * From the latest entry of each registry key; every host entry must be signed by {@code center} (the
     * pinned first center key) or by a center key whose entry a trusted key signed (after a rotation the
     * center signs with a successor, whose entry its predecessor signed).
     */
    public static HostListing of(Map<String, TrustRegistryEntry> latest, Verifier center) {
        Map<String, Verifier> centers = chainedCenterKeys(latest, center);
        Map<String, Host> byId = new TreeMap<>();
        int unsigned = 0;
        List<TrustRegistryEntry> pending = new ArrayList<>();
        for (TrustRegistryEntry entry : latest.values()) {
            if (entry.getHost() == null) {
                continue;
            }
            Verifier signer = centers.get(entry.getSignerKeyId());
            if (signer == null || !TrustRegistryEntries.isSignedBy(entry, signer)) {
                unsigned++;
                continue;
            }
            String fingerprint = entry.getHost().getSecureZoneSigningKey().getKeyId();
            if (entry.getEntryId().equals(TrustRegistryEntries.hostEntryId(entry.getHost().getHostId()))) {
                byId.put(entry.getHost().getHostId(), new Host(entry.getHost().getHostId(),
                        entry.getRevoked() ? State.RETIRED : State.APPROVED, fingerprint));
            } else if (entry.getEntryId().equals(TrustRegistryEntries.pendingHostEntryId(entry.getHost().getHostId()))) {
                pending.add(entry);
            }
        }
        for (TrustRegistryEntry entry : pending) {
            byId.putIfAbsent(entry.getHost().getHostId(), new Host(entry.getHost().getHostId(), State.PENDING,
                    entry.getHost().getSecureZoneSigningKey().getKeyId()));
        }
        return new HostListing(new ArrayList<>(byId.values()), unsigned);
    }

    private static Map<String, Verifier> chainedCenterKeys(Map<String, TrustRegistryEntry> latest, Verifier center) {
        Map<String, Verifier> centers = new java.util.HashMap<>();
        centers.put(center.keyId().toString(), center);
        boolean changed = true;
        while (changed) {
            changed = false;
            for (TrustRegistryEntry entry : latest.values()) {
                if (entry.getCenterKey() == null || centers.containsKey(entry.getCenterKey().getKey().getKeyId())) {
                    continue;
                }
                Verifier signer = centers.get(entry.getSignerKeyId());
                if (signer == null || !TrustRegistryEntries.isSignedBy(entry, signer)) {
                    continue;
                }
                try {
                    var key = io.vmigrate.schema.keys.PublicKeyRecords.fromRecord(entry.getCenterKey().getKey());
                    centers.put(key.keyId().toString(), io.vmigrate.trust.CryptoSuites.get(key.suite()).verifier(key));
                    changed = true;
                } catch (IllegalArgumentException e) {
                    // Signed by the center yet not a key: nothing it could sign counts.
                }
            }
        }
        return centers;
    }

    public List<Host> hosts() {
        return hosts;
    }

    /** Host entries on the topic that the center did not sign: someone else wrote to trust.registry. */
    public int unsignedEntries() {
        return unsigned;
    }

    public java.util.Optional<Host> host(String hostId) {
        return hosts.stream().filter(h -> h.hostId().equals(hostId)).findFirst();
    }
}
