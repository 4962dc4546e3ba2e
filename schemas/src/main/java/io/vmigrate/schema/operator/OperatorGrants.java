package io.vmigrate.schema.operator;

import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.keys.WireEnums;
import io.vmigrate.schema.request.OperatorGrant;
import io.vmigrate.schema.serde.CanonicalBytes;
import io.vmigrate.trust.Context;
import io.vmigrate.trust.Signer;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.UUID;

/**
 * What an admin key signs to vouch for (or withdraw) an operator identity, field by field, under its
 * own context: a grant's signature can never pass for a request's, an envelope's or a statement's.
 */
public final class OperatorGrants {

    public static final String PURPOSE = "operator-grant";
    private static final String LABEL = "vmigrate-operator-grant-v1";

    private OperatorGrants() {}

    /** Every field but the signature. */
    public static byte[] signingInput(OperatorGrant grant) {
        var key = grant.getOperatorKey();
        return new CanonicalBytes()
                .text(LABEL)
                .text(grant.getGrantId())
                .text(grant.getOperatorName())
                .text(grant.getRole())
                .text(key.getSuite().name()).text(key.getPurpose().name()).text(key.getKeyId()).bytes(key.getSpki())
                .int64(grant.getValidFrom().toEpochMilli())
                .int64(grant.getValidUntil().toEpochMilli())
                .flag(grant.getRevoked())
                .int64(grant.getIssuedAt().toEpochMilli())
                .text(grant.getAdminKeyId())
                .text(grant.getSuite().name())
                .toByteArray();
    }

    public static Context context(String operatorKeyId) {
        return Context.of("", "", "", PURPOSE + "/" + operatorKeyId);
    }

    /** The admin's side: grants {@code operator} for [validFrom, validUntil], or withdraws it if {@code revoked}. */
    public static OperatorGrant sign(Signer admin, KnownOperator operator, Instant validFrom, Instant validUntil,
            boolean revoked, Instant issuedAt) {
        OperatorGrant grant = OperatorGrant.newBuilder()
                .setGrantId(UUID.randomUUID().toString())
                .setOperatorName(operator.name())
                .setRole(operator.role().name())
                .setOperatorKey(PublicKeyRecords.toRecord(operator.publicKey()))
                .setValidFrom(validFrom)
                .setValidUntil(validUntil)
                .setRevoked(revoked)
                .setIssuedAt(issuedAt)
                .setAdminKeyId(admin.keyId().toString())
                .setSuite(WireEnums.toWire(admin.suite()))
                .setSignature(ByteBuffer.allocate(0))
                .build();
        grant.setSignature(ByteBuffer.wrap(admin.sign(signingInput(grant), context(operator.keyId())).toBytes()));
        return grant;
    }
}
