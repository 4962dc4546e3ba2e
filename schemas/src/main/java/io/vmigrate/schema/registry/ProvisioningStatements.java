package io.vmigrate.schema.registry;

import io.vmigrate.schema.keys.WireEnums;
import io.vmigrate.schema.serde.CanonicalBytes;
import io.vmigrate.trust.Context;
import io.vmigrate.trust.Signer;
import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * What a provisioning CA signs to vouch for a host's secure-zone signing key (the way an endorsement
 * certificate vouches for a TPM), field by field so the bytes never depend on a schema version, and
 * under its own context: a statement's signature can never pass for a request's, an envelope's or an
 * enrollment proof's.
 */
public final class ProvisioningStatements {

    public static final String PURPOSE = "provisioning-statement";
    private static final String LABEL = "vmigrate-provisioning-statement-v1";

    private ProvisioningStatements() {}

    /** Every field but the signature. */
    public static byte[] signingInput(ProvisioningStatement statement) {
        return new CanonicalBytes()
                .text(LABEL)
                .text(statement.getHostId())
                .text(statement.getSecureZoneSigningKeyId())
                .text(statement.getCaKeyId())
                .text(statement.getSuite().name())
                .int64(statement.getIssuedAt().toEpochMilli())
                .int64(statement.getExpiresAt().toEpochMilli())
                .toByteArray();
    }

    public static Context context(String hostId) {
        return Context.of("", "", hostId, PURPOSE);
    }

    /** The CA's side: a statement for {@code hostId}'s zone key {@code fingerprint}, valid in [issuedAt, expiresAt]. */
    public static ProvisioningStatement issue(Signer ca, String hostId, String fingerprint, Instant issuedAt, Instant expiresAt) {
        if (!expiresAt.isAfter(issuedAt)) {
            throw new IllegalArgumentException("a provisioning statement must expire after it is issued");
        }
        ProvisioningStatement statement = ProvisioningStatement.newBuilder()
                .setHostId(hostId)
                .setSecureZoneSigningKeyId(fingerprint)
                .setCaKeyId(ca.keyId().toString())
                .setSuite(WireEnums.toWire(ca.suite()))
                .setIssuedAt(issuedAt)
                .setExpiresAt(expiresAt)
                .setSignature(ByteBuffer.allocate(0))
                .build();
        statement.setSignature(ByteBuffer.wrap(ca.sign(signingInput(statement), context(hostId)).toBytes()));
        return statement;
    }
}
