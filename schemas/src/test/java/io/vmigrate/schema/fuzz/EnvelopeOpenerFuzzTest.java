package io.vmigrate.schema.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vmigrate.schema.envelope.EnvelopeLimits;
import io.vmigrate.schema.envelope.EnvelopeOpener;
import io.vmigrate.schema.envelope.EnvelopeRefusedException;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.serde.ProtocolSchemas;
import io.vmigrate.schema.serde.SingleObjectCodec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Bytes read from a topic or relayed to a zone, decoded and opened as every receiver does: the only
 * refusals are {@link EnvelopeRefusedException} and {@link SingleObjectCodec.CodecException}, and an
 * envelope that opens is byte-identical to one of the committed real envelopes but for its schema
 * version's fingerprint (a mutation that still opens would be a forgery or a malleable encoding).
 * Inputs start from those real envelopes; the other files there are reproducers of earlier findings.
 */
class EnvelopeOpenerFuzzTest {

    private static final SingleObjectCodec<SignedEnvelope> ENVELOPES = SingleObjectCodec.of(SignedEnvelope.class);
    private static final EnvelopeOpener OPENER = FuzzInputs.opener();
    private static final Set<ByteBuffer> REAL = FuzzInputs.realEnvelopeSet();
    private static final long CURRENT_FINGERPRINT =
            ProtocolSchemas.fingerprint(ProtocolSchemas.currentSchema(SignedEnvelope.class));

    @FuzzTest(maxDuration = "3m")
    void opensOnlyRealEnvelopes(byte[] wire) {
        SignedEnvelope envelope;
        try {
            EnvelopeLimits.checkEncodedSize(wire.length);
            envelope = ENVELOPES.decode(wire);
            OPENER.open(envelope);
        } catch (EnvelopeRefusedException | SingleObjectCodec.CodecException refused) {
            return;
        }
        if (!REAL.contains(ByteBuffer.wrap(reframedAsCurrent(wire)))) {
            throw new AssertionError("an envelope that is not byte-identical to a real one opened ("
                    + envelope.getMessageType() + ", " + wire.length + " bytes)");
        }
    }

    /**
     * The 8-byte schema fingerprint is framing the signature cannot cover: a real envelope framed as an
     * older released SignedEnvelope version of the same binary layout (v1 differs from v2 by an enum's
     * name only) decodes to the same signed fields and is the same envelope, not a forgery. Every other
     * byte must be the real envelope's (the codec refuses non-canonical encodings).
     */
    private static byte[] reframedAsCurrent(byte[] wire) {
        byte[] reframed = wire.clone();
        ByteBuffer.wrap(reframed, 2, Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(CURRENT_FINGERPRINT);
        return reframed;
    }

    /** Without this the oracle above could hold vacuously: every real envelope must open. */
    @Test
    void everyRealEnvelopeOpens() throws Exception {
        Map<String, byte[]> real = FuzzInputs.realEnvelopes();
        assertThat(real).hasSizeGreaterThanOrEqualTo(26);
        for (byte[] wire : real.values()) {
            assertThat(OPENER.open(ENVELOPES.decode(wire)).body()).isNotNull();
        }
    }
}
