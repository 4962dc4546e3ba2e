package io.vmigrate.center;

import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.registry.HostEnrollment;
import io.vmigrate.schema.registry.TrustRegistryEntries;
import io.vmigrate.schema.registry.TrustRegistryEntry;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.Signer;
import io.vmigrate.trust.Suite;
import java.time.Instant;

/** A center key and another key, and host entries signed by either: what {@code trust.registry} may hold. */
final class RegistryFixtures {

    final CryptoSuite crypto = CryptoSuites.get(Suite.INTL);
    final Topics topics = Topics.withDefaultWireFormat();
    final PrivateKeyHandle centerKey = crypto.generateSigningKey();
    final Signer center = crypto.signer(centerKey);
    final Signer stranger = crypto.signer(crypto.generateSigningKey());
    final CenterRegistryEntries judge = new CenterRegistryEntries(crypto.verifier(centerKey.publicKey()));

    TrustRegistryEntry host(String hostId, Instant at, Signer signer) {
        HostEnrollment enrollment = HostEnrollment.newBuilder().setHostId(hostId)
                .setSecureZoneSigningKey(PublicKeyRecords.toRecord(crypto.generateSigningKey().publicKey()))
                .setSecureZoneEncapsulationKey(PublicKeyRecords.toRecord(crypto.generateEncapsulationKey().publicKey()))
                .setAgentKey(PublicKeyRecords.toRecord(crypto.generateSigningKey().publicKey()))
                .setCommandTopic(Topics.hostCommandsTopicName(hostId))
                .build();
        return TrustRegistryEntries.host(enrollment, at, signer);
    }

    byte[] bytes(TrustRegistryEntry entry) {
        return topics.trustRegistry().valueSerde().serializer().serialize(Topics.TRUST_REGISTRY, entry);
    }

    RegistryRecord read(byte[] value) {
        return new RegistryRecordDeserializer(topics.trustRegistry().valueSerde().deserializer())
                .deserialize(Topics.TRUST_REGISTRY, value);
    }
}
