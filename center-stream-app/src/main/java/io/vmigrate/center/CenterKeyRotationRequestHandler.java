package io.vmigrate.center;

import io.vmigrate.schema.envelope.EnvelopeRefusedException;
import io.vmigrate.schema.operator.CenterKeyRotationRequests;
import io.vmigrate.schema.operator.OperatorRequestOpener;
import io.vmigrate.schema.operator.VerifiedOperatorRequest;
import io.vmigrate.schema.registry.CenterKeyRotation;
import io.vmigrate.schema.request.OperatorRequest;
import io.vmigrate.schema.request.OperatorRequestType;
import io.vmigrate.trust.SealedKeyStoreException;
import java.util.Optional;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Performs one admin rotation request read from {@code center.key-rotations} (where only the center writes
 * the requests its gate verified as an ADMIN's): at most once per request id, whichever instance performed
 * it and however often the record is read again, because the vault keeps each rotation's request id. The
 * topic's ACL is not trusted alone: the request is verified again, and must still be an ADMIN's.
 */
final class CenterKeyRotationRequestHandler {

    private static final Logger LOG = LoggerFactory.getLogger(CenterKeyRotationRequestHandler.class);

    /** Rotates for one request id; the rotator in production. */
    @FunctionalInterface
    interface Rotation {
        CenterKeyRotation rotate(String requestId) throws SealedKeyStoreException;
    }

    /** What became of one record. */
    enum Result { ROTATED, ALREADY_DONE, IGNORED }

    private final CenterVault vault;
    private final Rotation rotation;
    private final Deserializer<OperatorRequest> requests;
    /** The operators the center knows now (configured and granted); re-read for each request. */
    private final java.util.function.Supplier<OperatorRequestOpener> opener;

    CenterKeyRotationRequestHandler(CenterVault vault, Rotation rotation, Deserializer<OperatorRequest> requests,
            java.util.function.Supplier<OperatorRequestOpener> opener) {
        this.vault = vault;
        this.rotation = rotation;
        this.requests = requests;
        this.opener = opener;
    }

    /**
     * Handles the record at {@code coordinates}. A record that is not a rotation request is ignored (logged);
     * a failed rotation throws, so the caller reads the record again.
     */
    Result handle(byte[] value, String coordinates) throws SealedKeyStoreException {
        Optional<OperatorRequest> request = decode(value);
        if (request.isEmpty() || request.get().getRequestType() != OperatorRequestType.ROTATE_CENTER_KEY) {
            LOG.warn("center key rotation trigger: record at {} is not a rotation request; ignored", coordinates);
            return Result.IGNORED;
        }
        String requestId = request.get().getRequestId();
        VerifiedOperatorRequest verified;
        try {
            verified = opener.get().open(request.get(), CenterKeyRotationRequests.SUBJECT);
        } catch (EnvelopeRefusedException e) {
            LOG.warn("center key rotation request {} at {} refused: {} {}", requestId, coordinates, e.reason(), e.getMessage());
            return Result.IGNORED;
        }
        if (!verified.authorized()) {
            LOG.warn("center key rotation request {} at {} refused: {} {} may not rotate the center key", requestId,
                    coordinates, verified.operator().role(), verified.operator().name());
            return Result.IGNORED;
        }
        // Another instance sharing the vault may have performed it (or any rotation) since this one loaded it.
        vault.reload();
        Optional<CenterKeyRotation> done = vault.rotationRequestedBy(requestId);
        if (done.isPresent()) {
            LOG.info("center key rotation request {} at {}: already done as rotation {} (key {})", requestId, coordinates,
                    done.get().getSequence(), done.get().getNewKey().getKeyId());
            return Result.ALREADY_DONE;
        }
        CenterKeyRotation rotated = rotation.rotate(requestId);
        LOG.info("center key rotation request {} at {} by operator key {}: rotation {} done, key {} succeeds {}",
                requestId, coordinates, request.get().getOperatorKeyId(), rotated.getSequence(),
                rotated.getNewKey().getKeyId(), rotated.getOldKeyId());
        return Result.ROTATED;
    }

    private Optional<OperatorRequest> decode(byte[] value) {
        if (value == null || value.length > OperatorRequestGate.MAX_RECORD_BYTES) {
            return Optional.empty();
        }
        try {
            return Optional.of(requests.deserialize(null, value));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
