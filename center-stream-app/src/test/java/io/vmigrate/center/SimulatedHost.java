package io.vmigrate.center;

import io.vmigrate.schema.command.DeliverVmKey;
import io.vmigrate.schema.envelope.Addressing;
import io.vmigrate.schema.envelope.EnvelopeSealer;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.keys.KeyContexts;
import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.registry.EnrollmentProof;
import io.vmigrate.schema.registry.HostEnrollmentRequested;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.SecretBytes;
import io.vmigrate.trust.Suite;
import io.vmigrate.trust.WrappedKey;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import org.apache.avro.specific.SpecificRecord;

/** A host as the center sees it: a secure zone that signs replies with its own key, enrolled through host.enrollments. */
final class SimulatedHost {

    final String hostId;
    final CryptoSuite crypto;
    final PrivateKeyHandle secureZoneSigningKey;
    final PrivateKeyHandle encapsulationKey;
    final PrivateKeyHandle agentKey;
    private final EnvelopeSealer sealer;
    private final Clock clock;

    SimulatedHost(String hostId, Suite suite, Clock clock) {
        this.hostId = hostId;
        this.crypto = CryptoSuites.get(suite);
        this.secureZoneSigningKey = crypto.generateSigningKey();
        this.encapsulationKey = crypto.generateEncapsulationKey();
        this.agentKey = crypto.generateSigningKey();
        this.sealer = new EnvelopeSealer(crypto.signer(secureZoneSigningKey), clock, Duration.ofMinutes(1));
        this.clock = clock;
    }

    String signingKeyFingerprint() {
        return secureZoneSigningKey.keyId().toString();
    }

    HostEnrollmentRequested enrollment(java.time.Instant at) {
        var signing = PublicKeyRecords.toRecord(secureZoneSigningKey.publicKey());
        var encapsulation = PublicKeyRecords.toRecord(encapsulationKey.publicKey());
        var agent = PublicKeyRecords.toRecord(agentKey.publicKey());
        byte[] proof = crypto.signer(secureZoneSigningKey)
                .sign(EnrollmentProof.signingInput(hostId, signing, encapsulation, agent), EnrollmentProof.context(hostId))
                .toBytes();
        return HostEnrollmentRequested.newBuilder().setHostId(hostId).setSecureZoneSigningKey(signing)
                .setSecureZoneEncapsulationKey(encapsulation).setAgentKey(agent).setRequestedAt(at)
                .setProof(ByteBuffer.wrap(proof)).build();
    }

    /** A reply signed by this host's secure zone. */
    SignedEnvelope reply(String migrationId, String vmId, long epoch, SpecificRecord body) {
        return sealer.seal(Addressing.of(migrationId, vmId, hostId, epoch), body);
    }

    /** A registration of {@code vmId} on this host, signed by its secure zone as the real zone signs one. */
    SignedEnvelope registration(String vmId) {
        return registration(vmId, hostId);
    }

    /** A registration signed by this host's zone whose body names {@code namedHostId}. */
    SignedEnvelope registration(String vmId, String namedHostId) {
        return sealer.seal(Addressing.of(io.vmigrate.schema.keys.KeyContexts.registrationMigrationId(vmId), vmId, hostId, -1),
                io.vmigrate.schema.inventory.VmRegistrationRequested.newBuilder().setVmId(vmId).setHostId(namedHostId)
                        .setVmName("name-" + vmId).setRequestedAt(clock.instant()).setRequestedBy("host-agent/" + hostId)
                        .build());
    }

    /** What the destination secure zone does with DeliverVmKey: unwrap under the deliver-vm-key context. */
    SecretBytes unwrap(DeliverVmKey delivery) throws Exception {
        WrappedKey wrapped = WrappedKey.parse(ByteBuffers.toArray(delivery.getWrappedPrivateKey()));
        return crypto.keyUnwrapper(encapsulationKey).unwrap(wrapped,
                KeyContexts.deliverVmKey(delivery.getMigrationId(), delivery.getBinding().getVmId(), hostId));
    }
}
