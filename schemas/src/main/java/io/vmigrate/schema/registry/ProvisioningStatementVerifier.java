package io.vmigrate.schema.registry;

import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.BoundedIds;
import io.vmigrate.schema.envelope.EnvelopeRefusedException;
import io.vmigrate.schema.keys.TrustAnchors;
import io.vmigrate.schema.keys.WireEnums;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.MalformedBlobException;
import io.vmigrate.trust.SignatureBlob;
import io.vmigrate.trust.SignatureRefusedException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Checks that a provisioning statement vouches for exactly this host id and this secure-zone signing
 * key: bounded fields, a signer among the configured CAs, a valid signature, then the names and the
 * validity window. Anything else is refused with its reason; a refused statement never approves.
 */
public final class ProvisioningStatementVerifier {

    static final int MAX_ID_CHARS = 128;
    static final int MAX_SIGNATURE_BYTES = 1024;

    private final TrustAnchors authorities;
    private final Clock clock;
    private final Duration allowedClockSkew;

    public ProvisioningStatementVerifier(TrustAnchors authorities, Clock clock, Duration allowedClockSkew) {
        this.authorities = Objects.requireNonNull(authorities, "authorities");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.allowedClockSkew = Objects.requireNonNull(allowedClockSkew, "allowedClockSkew");
    }

    /** The CA that vouches for {@code hostId} enrolling with the zone key {@code fingerprint}, as of now. */
    public TrustAnchors.Anchor verify(ProvisioningStatement statement, String hostId, String fingerprint)
            throws EnvelopeRefusedException {
        bounded(statement.getHostId(), "host id");
        bounded(statement.getSecureZoneSigningKeyId(), "secure-zone key id");
        bounded(statement.getCaKeyId(), "CA key id");
        if (statement.getSignature().remaining() > MAX_SIGNATURE_BYTES) {
            throw refused(RefusalReason.MALFORMED, "provisioning statement signature over " + MAX_SIGNATURE_BYTES + " bytes");
        }
        TrustAnchors.Anchor ca = authorities.byKeyId(statement.getCaKeyId()).orElseThrow(() -> refused(
                RefusalReason.UNKNOWN_SIGNER, "provisioning statement is signed by " + statement.getCaKeyId()
                        + ", not a configured provisioning CA"));
        if (ca.key().suite() != WireEnums.fromWire(statement.getSuite())) {
            throw refused(RefusalReason.SIGNATURE_INVALID, "provisioning statement claims suite " + statement.getSuite()
                    + " but CA " + ca.name() + " is " + ca.key().suite());
        }
        try {
            CryptoSuites.get(ca.key().suite()).verifier(ca.key()).verify(
                    SignatureBlob.parse(ByteBuffers.toArray(statement.getSignature())),
                    ProvisioningStatements.signingInput(statement), ProvisioningStatements.context(statement.getHostId()));
        } catch (MalformedBlobException | SignatureRefusedException e) {
            throw refused(RefusalReason.SIGNATURE_INVALID, "provisioning statement of CA " + ca.name() + ": " + e.getMessage());
        }
        if (!statement.getHostId().equals(hostId)) {
            throw refused(RefusalReason.WRONG_HOST, "provisioning statement of CA " + ca.name() + " names host "
                    + statement.getHostId() + ", not " + hostId);
        }
        if (!statement.getSecureZoneSigningKeyId().equals(fingerprint)) {
            throw refused(RefusalReason.BINDING_MISMATCH, "provisioning statement of CA " + ca.name()
                    + " names secure-zone key " + statement.getSecureZoneSigningKeyId() + ", the host enrolls with " + fingerprint);
        }
        Instant now = clock.instant();
        if (!statement.getExpiresAt().isAfter(statement.getIssuedAt())) {
            throw refused(RefusalReason.MALFORMED, "provisioning statement of CA " + ca.name() + " has an empty validity window");
        }
        if (statement.getIssuedAt().isAfter(now.plus(allowedClockSkew))) {
            throw refused(RefusalReason.EXPIRED, "provisioning statement of CA " + ca.name() + " is issued in the future ("
                    + statement.getIssuedAt() + ")");
        }
        if (now.isAfter(statement.getExpiresAt().plus(allowedClockSkew))) {
            throw refused(RefusalReason.EXPIRED, "provisioning statement of CA " + ca.name() + " expired at "
                    + statement.getExpiresAt());
        }
        return ca;
    }

    private static void bounded(String value, String what) throws EnvelopeRefusedException {
        BoundedIds.require(value, MAX_ID_CHARS, "provisioning statement", what);
    }

    private static EnvelopeRefusedException refused(RefusalReason reason, String detail) {
        return new EnvelopeRefusedException(reason, detail);
    }
}
