package io.vmigrate.securezone;

import io.vmigrate.schema.common.PublicKeyRecord;
import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.registry.EnrollmentProof;
import io.vmigrate.schema.securezone.SecureZoneIdentity;
import io.vmigrate.securezone.ZoneState.Pins;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.Signer;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What the zone says about itself (GET_IDENTITY, PROVISION): its public keys, the pinned key ids,
 * and once provisioned its enrollment proof, a signature binding its keys to the pinned agent key.
 */
final class ZoneIdentity {

    private final String hostId;
    private final Signer signer;
    private final PublicKeyRecord signingKey;
    private final PublicKeyRecord encapsulationKey;
    private byte[] enrollmentProof;

    ZoneIdentity(String hostId, CryptoSuite crypto, ZoneKeys keys) {
        this.hostId = hostId;
        this.signer = crypto.signer(keys.signingKey());
        this.signingKey = PublicKeyRecords.toRecord(keys.signingKey().publicKey());
        this.encapsulationKey = PublicKeyRecords.toRecord(keys.encapsulationKey().publicKey());
    }

    String signingKeyId() {
        return signingKey.getKeyId();
    }

    String encapsulationKeyId() {
        return encapsulationKey.getKeyId();
    }

    SecureZoneIdentity describe(ZoneState state) {
        Optional<Pins> pins = state.pins();
        pins.ifPresent(this::proveEnrollmentOnce);
        return SecureZoneIdentity.newBuilder()
                .setHostId(hostId)
                .setSigningKey(signingKey)
                .setEncapsulationKey(encapsulationKey)
                .setAgentKeyId(pins.map(p -> p.agentKey().keyId().toString()).orElse(null))
                .setCenterKeyIds(pins.map(p -> p.centerKeys().stream().map(k -> k.keyId().toString()).collect(Collectors.toList()))
                        .orElse(List.of()))
                .setEnrollmentProof(enrollmentProof == null ? null : ByteBuffer.wrap(enrollmentProof.clone()))
                .build();
    }

    /** Pins never change, so neither does the proof: signed once. */
    private void proveEnrollmentOnce(Pins pins) {
        if (enrollmentProof == null) {
            PublicKeyRecord agentKey = PublicKeyRecords.toRecord(pins.agentKey());
            enrollmentProof = signer.sign(EnrollmentProof.signingInput(hostId, signingKey, encapsulationKey, agentKey),
                    EnrollmentProof.context(hostId)).toBytes();
        }
    }
}
