package io.vmigrate.schema.operator;

import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.BoundedIds;
import io.vmigrate.schema.envelope.EnvelopeRefusedException;
import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.keys.TrustAnchors;
import io.vmigrate.schema.keys.WireEnums;
import io.vmigrate.schema.request.OperatorGrant;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.MalformedBlobException;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.SignatureBlob;
import io.vmigrate.trust.SignatureRefusedException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Checks an operator grant before the center trusts anything of it: bounded fields, a record key
 * equal to the operator key's id, a signer among the configured admin keys, a valid signature; then
 * the identity it names (a valid name, role OPERATOR or AUDITOR, a signing key of the admin's suite)
 * and its window. Whether a verified grant is the newest for its key is the receiver's decision.
 */
public final class OperatorGrantVerifier {

    static final int MAX_ID_CHARS = 128;
    static final int MAX_KEY_BYTES = 1024;
    static final int MAX_SIGNATURE_BYTES = 1024;

    private final TrustAnchors admins;
    private final Duration allowedClockSkew;

    public OperatorGrantVerifier(TrustAnchors admins, Duration allowedClockSkew) {
        this.admins = Objects.requireNonNull(admins, "admins");
        this.allowedClockSkew = Objects.requireNonNull(allowedClockSkew, "allowedClockSkew");
    }

    /**
     * The operator a grant read from a record keyed {@code recordKey} vouches for. With {@code now}, a grant
     * that is not valid at that time (expired, or issued in the future) is refused too; a revocation never expires.
     */
    public KnownOperator verify(OperatorGrant grant, String recordKey, Instant now) throws EnvelopeRefusedException {
        String id = bounded(grant.getGrantId(), "grant id");
        bounded(grant.getOperatorName(), "operator name");
        bounded(grant.getRole(), "role");
        bounded(grant.getAdminKeyId(), "admin key id");
        bounded(grant.getOperatorKey().getKeyId(), "operator key id");
        if (grant.getOperatorKey().getSpki().remaining() > MAX_KEY_BYTES || grant.getSignature().remaining() > MAX_SIGNATURE_BYTES) {
            throw refused(RefusalReason.MALFORMED, "grant " + id + ": key or signature over its size limit");
        }
        if (!grant.getOperatorKey().getKeyId().equals(recordKey)) {
            throw refused(RefusalReason.BINDING_MISMATCH, "grant " + id + " is for key " + grant.getOperatorKey().getKeyId()
                    + " but keyed by another id");
        }
        TrustAnchors.Anchor admin = admins.byKeyId(grant.getAdminKeyId()).orElseThrow(() -> refused(
                RefusalReason.UNKNOWN_SIGNER, "grant " + id + " is signed by " + grant.getAdminKeyId()
                        + ", not an admin key the center is configured with"));
        if (admin.key().suite() != WireEnums.fromWire(grant.getSuite())) {
            throw refused(RefusalReason.SIGNATURE_INVALID, "grant " + id + " claims suite " + grant.getSuite()
                    + " but admin key " + admin.name() + " is " + admin.key().suite());
        }
        try {
            CryptoSuites.get(admin.key().suite()).verifier(admin.key()).verify(
                    SignatureBlob.parse(ByteBuffers.toArray(grant.getSignature())), OperatorGrants.signingInput(grant),
                    OperatorGrants.context(grant.getOperatorKey().getKeyId()));
        } catch (MalformedBlobException | SignatureRefusedException e) {
            throw refused(RefusalReason.SIGNATURE_INVALID, "grant " + id + ": " + e.getMessage());
        }
        KnownOperator operator = identity(grant, id, admin);
        if (!grant.getValidUntil().isAfter(grant.getValidFrom())) {
            throw refused(RefusalReason.MALFORMED, "grant " + id + " has an empty validity window");
        }
        if (now != null) {
            if (grant.getIssuedAt().isAfter(now.plus(allowedClockSkew))) {
                throw refused(RefusalReason.EXPIRED, "grant " + id + " is issued in the future (" + grant.getIssuedAt() + ")");
            }
            if (!grant.getRevoked() && now.isAfter(grant.getValidUntil().plus(allowedClockSkew))) {
                throw refused(RefusalReason.EXPIRED, "grant " + id + " of operator " + operator.name() + " expired at "
                        + grant.getValidUntil());
            }
        }
        return operator;
    }

    /** Whether a verified grant lets its operator sign at {@code now}: not revoked, inside its window. */
    public boolean inForce(OperatorGrant grant, Instant now) {
        return !grant.getRevoked() && !now.isBefore(grant.getValidFrom().minus(allowedClockSkew))
                && !now.isAfter(grant.getValidUntil().plus(allowedClockSkew));
    }

    private static KnownOperator identity(OperatorGrant grant, String id, TrustAnchors.Anchor admin)
            throws EnvelopeRefusedException {
        OperatorRole role;
        PublicKeyHandle key;
        try {
            role = OperatorRole.parse(grant.getRole());
            key = PublicKeyRecords.fromRecord(grant.getOperatorKey());
        } catch (IllegalArgumentException e) {
            throw refused(RefusalReason.MALFORMED, "grant " + id + ": " + e.getMessage());
        }
        if (role == OperatorRole.ADMIN) {
            throw refused(RefusalReason.NOT_AUTHORIZED, "grant " + id + ": the ADMIN role is configured, never granted");
        }
        if (key.suite() != admin.key().suite()) {
            throw refused(RefusalReason.MALFORMED, "grant " + id + ": operator key is " + key.suite() + ", the admin's "
                    + admin.key().suite());
        }
        try {
            return new KnownOperator(grant.getOperatorName(), role, key);
        } catch (IllegalArgumentException e) {
            throw refused(RefusalReason.MALFORMED, "grant " + id + ": " + e.getMessage());
        }
    }

    private static String bounded(String value, String what) throws EnvelopeRefusedException {
        return BoundedIds.require(value, MAX_ID_CHARS, "operator grant", what);
    }

    private static EnvelopeRefusedException refused(RefusalReason reason, String detail) {
        return new EnvelopeRefusedException(reason, detail);
    }
}
