package io.vmigrate.center;

import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.EnvelopeRefusedException;
import io.vmigrate.schema.operator.OperatorRequestOpener;
import io.vmigrate.schema.operator.VerifiedOperatorRequest;
import io.vmigrate.schema.request.MigrationRequested;
import io.vmigrate.schema.request.OperatorRequest;
import io.vmigrate.schema.serde.SingleObjectCodec;
import java.util.Optional;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The first step of every operator request the center reads: bounded bytes that decode as an
 * {@link OperatorRequest} and open under a known operator key ({@link OperatorRequestOpener}).
 * Whatever fails is dead-lettered as it came, with its reason, and alerted; nothing unverified is
 * attributed to a migration or host.
 */
final class OperatorRequestGate {

    static final int MAX_RECORD_BYTES = 64 * 1024;
    private static final SingleObjectCodec<MigrationRequested> UNSIGNED = SingleObjectCodec.of(MigrationRequested.class);

    private final Deserializer<OperatorRequest> deserializer;
    private final OperatorRequestOpener opener;
    private final CenterOutputs outputs;

    OperatorRequestGate(Deserializer<OperatorRequest> deserializer, OperatorRequestOpener opener, CenterOutputs outputs) {
        this.deserializer = deserializer;
        this.opener = opener;
        this.outputs = outputs;
    }

    /** The verified request, or empty once the record has been refused. */
    Optional<VerifiedOperatorRequest> open(Record<String, byte[]> record) {
        byte[] value = record.value();
        if (record.key() == null || value == null || value.length > MAX_RECORD_BYTES) {
            refuse(record, RefusalReason.MALFORMED, "operator request without key or value, or over "
                    + MAX_RECORD_BYTES + " bytes");
            return Optional.empty();
        }
        OperatorRequest request;
        try {
            request = deserializer.deserialize(null, value);
        } catch (RuntimeException e) {
            if (isUnsignedRequest(value)) {
                refuse(record, RefusalReason.NOT_SIGNED, "an unsigned MigrationRequested; requests must be signed operator requests");
            } else {
                refuse(record, RefusalReason.MALFORMED, "not a signed operator request");
            }
            return Optional.empty();
        }
        try {
            return Optional.of(opener.open(request, record.key()));
        } catch (EnvelopeRefusedException e) {
            refuse(record, e.reason(), e.getMessage());
            return Optional.empty();
        }
    }

    /** Dead-letters the record as it came, with the reason, and alerts. */
    void refuse(Record<String, byte[]> record, RefusalReason reason, String detail) {
        byte[] key = record.key() == null ? null : DeadLetters.utf8(record.key());
        outputs.deadLetter(key, record.value(), reason, detail);
        outputs.alert(reason, detail, null, null, null, null);
    }

    private static boolean isUnsignedRequest(byte[] value) {
        try {
            UNSIGNED.decode(value);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
