package io.vmigrate.schema.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vmigrate.schema.envelope.EnvelopeLimits;
import io.vmigrate.schema.envelope.EnvelopeOpener;
import io.vmigrate.schema.envelope.EnvelopeRefusedException;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.serde.SingleObjectCodec;
import java.nio.ByteBuffer;
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
        if (!REAL.contains(ByteBuffer.wrap(FuzzInputs.reframedAsCurrent(wire, SignedEnvelope.class)))) {
            throw new AssertionError("an envelope that is not byte-identical to a real one opened ("
                    + envelope.getMessageType() + ", " + wire.length + " bytes)");
        }
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
