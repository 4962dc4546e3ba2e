package io.vmigrate.tests.protocol;

import io.vmigrate.embedded.EmbeddedSystem;
import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.registry.EnrollmentProof;
import io.vmigrate.schema.registry.HostEnrollmentRequested;
import io.vmigrate.schema.registry.ProvisioningStatement;
import io.vmigrate.schema.topic.Topic;
import io.vmigrate.schema.topic.TopicProvisioner;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.PrivateKeyHandle;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Hosts whose keys are made in ordinary software, not in a secure zone, enrolled with a valid proof of
 * possession: what an attacker with bus access, or a test of the approval rules, enrolls.
 */
final class SoftwareHosts {

    /** What the enrollment presents, given the host id and the fingerprint of the zone signing key. */
    interface StatementFor {
        Optional<ProvisioningStatement> issue(String hostId, String fingerprint);
    }

    private SoftwareHosts() {}

    /** Enrolls {@code hostId} and returns its signing key; as its own agent would, the host has a command topic. */
    static PrivateKeyHandle enroll(EmbeddedSystem system, CryptoSuite crypto, String hostId, StatementFor statement) {
        try (Admin admin = Admin.create(system.clientProperties())) {
            new TopicProvisioner(admin, 3, (short) 1).provision(List.of(system.topics().hostCommands(hostId)));
        }
        PrivateKeyHandle signing = crypto.generateSigningKey();
        var signingKey = PublicKeyRecords.toRecord(signing.publicKey());
        var encapsulation = PublicKeyRecords.toRecord(crypto.generateEncapsulationKey().publicKey());
        var agent = PublicKeyRecords.toRecord(crypto.generateSigningKey().publicKey());
        byte[] proof = crypto.signer(signing).sign(EnrollmentProof.signingInput(hostId, signingKey, encapsulation, agent),
                EnrollmentProof.context(hostId)).toBytes();
        HostEnrollmentRequested.Builder request = HostEnrollmentRequested.newBuilder().setHostId(hostId)
                .setSecureZoneSigningKey(signingKey).setSecureZoneEncapsulationKey(encapsulation).setAgentKey(agent)
                .setRequestedAt(Instant.now()).setProof(ByteBuffer.wrap(proof));
        statement.issue(hostId, signing.keyId().toString()).ifPresent(request::setProvisioningStatement);
        produce(system, system.topics().hostEnrollments(), hostId, request.build());
        return signing;
    }

    /** Writes one record with the system's admin login and waits for the broker's acknowledgement. */
    static <V> void produce(EmbeddedSystem system, Topic<String, V> topic, String key, V value) {
        try (var producer = new KafkaProducer<>(new HashMap<>(system.clientProperties()), topic.keySerde().serializer(),
                topic.valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(topic.name(), key, value)).get();
        } catch (Exception e) {
            throw new IllegalStateException("cannot write to " + topic.name(), e);
        }
    }
}
