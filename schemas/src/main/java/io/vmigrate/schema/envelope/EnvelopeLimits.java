package io.vmigrate.schema.envelope;

import io.vmigrate.schema.common.RefusalReason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The sizes an envelope may have, checked before anything else is done with it: an identifier that
 * is stored, logged or put in a reply must stay small (a 70,000-byte message id once broke the agent's
 * processed-command log), and a body or signature must fit in one secure-zone frame.
 */
public final class EnvelopeLimits {

    /** Every identifier (message, migration, VM, host, signer key id), in UTF-8 bytes. */
    public static final int MAX_ID_BYTES = 256;
    /** The single-object-encoded body. */
    public static final int MAX_BODY_BYTES = 256 * 1024;
    /** The signature blob (the largest post-quantum signatures stay far below). */
    public static final int MAX_SIGNATURE_BYTES = 64 * 1024;
    /** A whole encoded envelope, as read from a topic or relayed to a secure zone. */
    public static final int MAX_ENVELOPE_BYTES = MAX_BODY_BYTES + MAX_SIGNATURE_BYTES + 16 * 1024;

    private EnvelopeLimits() {}

    /** Refuses (MALFORMED) an encoded envelope larger than {@link #MAX_ENVELOPE_BYTES}, before it is decoded. */
    public static void checkEncodedSize(int bytes) throws EnvelopeRefusedException {
        if (bytes > MAX_ENVELOPE_BYTES) {
            throw new EnvelopeRefusedException(RefusalReason.MALFORMED,
                    "envelope of " + bytes + " bytes exceeds " + MAX_ENVELOPE_BYTES);
        }
    }

    /**
     * Refuses (MALFORMED) a decoded envelope with an identifier, body or signature over its bound. The
     * detail names the field and its size, never its content, so it is safe to log and to publish.
     */
    public static void check(SignedEnvelope envelope) throws EnvelopeRefusedException {
        checkId("messageId", envelope.getMessageId());
        checkId("migrationId", envelope.getMigrationId());
        checkId("vmId", envelope.getVmId());
        checkId("hostId", envelope.getHostId());
        checkId("signerKeyId", envelope.getSignerKeyId());
        checkBytes("body", envelope.getBody(), MAX_BODY_BYTES);
        checkBytes("signature", envelope.getSignature(), MAX_SIGNATURE_BYTES);
    }

    /** Whether an identifier is within {@link #MAX_ID_BYTES} (null counts as within: it has no size). */
    public static boolean idWithinBound(CharSequence id) {
        return id == null || utf8Length(id) <= MAX_ID_BYTES;
    }

    private static void checkId(String field, CharSequence id) throws EnvelopeRefusedException {
        if (id == null) {
            throw new EnvelopeRefusedException(RefusalReason.MALFORMED, "envelope without " + field);
        }
        if (!idWithinBound(id)) {
            throw new EnvelopeRefusedException(RefusalReason.MALFORMED,
                    "envelope " + field + " of " + utf8Length(id) + " bytes exceeds " + MAX_ID_BYTES);
        }
    }

    private static void checkBytes(String field, ByteBuffer bytes, int max) throws EnvelopeRefusedException {
        if (bytes == null) {
            throw new EnvelopeRefusedException(RefusalReason.MALFORMED, "envelope without " + field);
        }
        if (bytes.remaining() > max) {
            throw new EnvelopeRefusedException(RefusalReason.MALFORMED,
                    "envelope " + field + " of " + bytes.remaining() + " bytes exceeds " + max);
        }
    }

    private static int utf8Length(CharSequence id) {
        return id.toString().getBytes(StandardCharsets.UTF_8).length;
    }
}
