package io.vmigrate.cli.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.registry.HostEnrollment;
import io.vmigrate.schema.registry.TrustRegistryEntries;
import io.vmigrate.schema.registry.TrustRegistryEntry;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.Suite;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** After a center key rotation, host entries signed by the successor key are still the center's. */
class HostListingRotationTest {

    private static final Instant AT = Instant.parse("2026-12-02T10:00:00Z");
    private final CryptoSuite crypto = CryptoSuites.get(Suite.INTL);

    @Test
    void hostEntriesOfAKeyChainedToThePinnedOneAreListedAndOthersAreCountedUnsigned() {
        PrivateKeyHandle first = crypto.generateSigningKey();
        PrivateKeyHandle successor = crypto.generateSigningKey();
        PrivateKeyHandle stranger = crypto.generateSigningKey();
        Map<String, TrustRegistryEntry> latest = new HashMap<>();
        put(latest, TrustRegistryEntries.centerKey(TrustRegistryEntries.centerKeyValidity(first.publicKey(), AT, AT.plusSeconds(60)),
                AT, crypto.signer(first)));
        put(latest, TrustRegistryEntries.centerKey(TrustRegistryEntries.centerKeyValidity(successor.publicKey(), AT, null),
                AT, crypto.signer(first)));
        put(latest, TrustRegistryEntries.centerKey(TrustRegistryEntries.centerKeyValidity(stranger.publicKey(), AT, null),
                AT, crypto.signer(stranger)));
        put(latest, TrustRegistryEntries.host(host("h1"), AT, crypto.signer(first)));
        put(latest, TrustRegistryEntries.host(host("h2"), AT, crypto.signer(successor)));
        put(latest, TrustRegistryEntries.host(host("h3"), AT, crypto.signer(stranger)));

        HostListing listing = HostListing.of(latest, crypto.verifier(first.publicKey()));

        assertThat(listing.hosts()).extracting(HostListing.Host::hostId).containsExactly("h1", "h2");
        assertThat(listing.unsignedEntries()).isEqualTo(1);
    }

    private static void put(Map<String, TrustRegistryEntry> latest, TrustRegistryEntry entry) {
        latest.put(entry.getEntryId(), entry);
    }

    private HostEnrollment host(String hostId) {
        return HostEnrollment.newBuilder().setHostId(hostId)
                .setSecureZoneSigningKey(PublicKeyRecords.toRecord(crypto.generateSigningKey().publicKey()))
                .setSecureZoneEncapsulationKey(PublicKeyRecords.toRecord(crypto.generateEncapsulationKey().publicKey()))
                .setAgentKey(PublicKeyRecords.toRecord(crypto.generateSigningKey().publicKey()))
                .setCommandTopic(Topics.hostCommandsTopicName(hostId)).build();
    }
}
