package io.vmigrate.securezone;

import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.OpenedEnvelope;
import io.vmigrate.schema.keys.WireEnums;
import io.vmigrate.schema.registry.CenterKeyRotation;
import io.vmigrate.schema.registry.CenterKeyRotations;
import io.vmigrate.securezone.ZoneState.AcceptedRotation;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.KeyPurpose;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.Verifier;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ROTATE_CENTER_KEY (an envelope the {@link CommandGate} already opened with a currently valid center
 * key): accepts the announced center key only from a statement that is the next in sequence, names as
 * its old key the newest center key this zone knows, is signed by that key while it is still valid,
 * carries the new key's proof of possession, and is carried by an envelope of the key it retires. So
 * rotations chain from the provisioned key, an expired key cannot announce, and no older statement
 * can be replayed (an exact repeat of the last one is accepted again as a no-op, for re-announcements).
 */
final class CenterKeyRotationAcceptor {

    private static final Logger LOG = LoggerFactory.getLogger(CenterKeyRotationAcceptor.class);

    private final String hostId;
    private final CryptoSuite crypto;
    private final PinnedKeys pinned;

    CenterKeyRotationAcceptor(String hostId, CryptoSuite crypto, PinnedKeys pinned) {
        this.hostId = hostId;
        this.crypto = crypto;
        this.pinned = pinned;
    }

    /** Adds the rotation to the next state, or refuses; never a reply of its own (the gate answers). */
    byte[] accept(OpenedEnvelope opened, Transition tx) throws ZoneRefusal {
        CenterKeyRotation statement = opened.body(CenterKeyRotation.class);
        PublicKeyHandle newKey = announcedKey(statement);
        Optional<AcceptedRotation> last = tx.lastRotation();
        if (last.isPresent() && last.get().sequence() == statement.getSequence()
                && last.get().newKey().equals(newKey) && last.get().oldKeyId().equals(statement.getOldKeyId())) {
            LOG.info("host {}: center key rotation {} to {} was already accepted", hostId, statement.getSequence(),
                    newKey.keyId());
            return null;
        }
        long expected = pinned.lastRotation() + 1;
        if (statement.getSequence() != expected) {
            throw new ZoneRefusal(statement.getSequence() < expected ? RefusalReason.REPLAYED : RefusalReason.MALFORMED,
                    "center key rotation " + statement.getSequence() + " is not the next one (" + expected + ")");
        }
        String oldKeyId = statement.getOldKeyId();
        if (!pinned.newestCenterKeyId().map(oldKeyId::equals).orElse(false)) {
            throw new ZoneRefusal(RefusalReason.UNKNOWN_SIGNER,
                    "center key rotation " + statement.getSequence() + " retires " + oldKeyId
                            + ", which is not the newest center key of this zone");
        }
        if (!oldKeyId.equals(opened.envelope().getSignerKeyId())) {
            throw new ZoneRefusal(RefusalReason.SIGNATURE_INVALID,
                    "center key rotation " + statement.getSequence() + " is carried by another key than the one it retires");
        }
        Verifier oldKey = pinned.center(oldKeyId).orElseThrow(() -> new ZoneRefusal(RefusalReason.EXPIRED,
                "center key " + oldKeyId + " is no longer valid and cannot announce a successor"));
        if (pinned.knowsCenterKey(newKey.keyId().toString())) {
            throw new ZoneRefusal(RefusalReason.MALFORMED, "center key " + newKey.keyId() + " is already known");
        }
        if (statement.getOldKeyValidUntil().isBefore(statement.getValidFrom())) {
            throw new ZoneRefusal(RefusalReason.MALFORMED, "center key rotation leaves a gap between the keys");
        }
        if (!CenterKeyRotations.isSignedBy(statement, oldKey, crypto.verifier(newKey))) {
            throw new ZoneRefusal(RefusalReason.SIGNATURE_INVALID,
                    "center key rotation " + statement.getSequence() + " is not signed by " + oldKeyId + " and the new key");
        }
        tx.addRotation(new AcceptedRotation(statement.getSequence(), oldKeyId, newKey,
                statement.getValidFrom().toEpochMilli(), statement.getOldKeyValidUntil().toEpochMilli()));
        LOG.info("host {}: accepted center key rotation {}: {} valid from {}, {} valid until {}", hostId,
                statement.getSequence(), newKey.keyId(), statement.getValidFrom(), oldKeyId, statement.getOldKeyValidUntil());
        return null;
    }

    private PublicKeyHandle announcedKey(CenterKeyRotation statement) throws ZoneRefusal {
        PublicKeyHandle key;
        try {
            key = CenterKeyRotations.newKey(statement);
        } catch (IllegalArgumentException e) {
            throw new ZoneRefusal(RefusalReason.MALFORMED, "announced center key is not a valid public key: " + e.getMessage());
        }
        if (key.suite() != crypto.suite() || key.purpose() != KeyPurpose.SIGNING
                || WireEnums.fromWire(statement.getSuite()) != crypto.suite()) {
            throw new ZoneRefusal(RefusalReason.MALFORMED, "announced center key " + key.keyId() + " is a " + key.suite()
                    + " " + key.purpose() + " key, need " + crypto.suite() + " SIGNING");
        }
        return key;
    }
}
