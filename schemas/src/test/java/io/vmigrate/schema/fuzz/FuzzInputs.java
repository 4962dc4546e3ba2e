package io.vmigrate.schema.fuzz;

import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.PublicKeyRecord;
import io.vmigrate.schema.envelope.EnvelopeOpener;
import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.serde.ProtocolSchemas;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.Suite;
import io.vmigrate.trust.Verifier;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;

/**
 * The committed real inputs the fuzz targets start from and judge by, shared with the other modules'
 * fuzz tests through the schemas test-jar. Real envelopes are signed by one key per suite whose
 * private half {@code FuzzSeeds} discarded: only the public keys ({@code signers/}) are committed, so
 * no input the fuzzer makes can carry a new valid signature, and an envelope that opens must be one of
 * the committed {@code real-*} files byte for byte.
 */
public final class FuzzInputs {

    /** Every real envelope is valid at this instant (issued a month before, expiring a century after). */
    public static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");
    public static final Instant ISSUED_AT = NOW.minus(Duration.ofDays(30));
    public static final Instant EXPIRES_AT = Instant.parse("2126-12-01T00:00:00Z");
    /** The host the real commands are addressed to (the secure-zone fuzz target's zone). */
    public static final String HOST = "host-a";
    public static final String MIGRATION = "m-fuzz";
    public static final String VM = "vm-fuzz";

    public static final String SIGNERS = "io/vmigrate/schema/fuzz/signers/";
    public static final String REAL_ENVELOPES =
            "io/vmigrate/schema/fuzz/EnvelopeOpenerFuzzTestInputs/opensOnlyRealEnvelopes/";
    public static final String REAL_PREFIX = "real-";

    private FuzzInputs() {}

    /** The committed public key (a PublicKeyRecord, single-object encoded by its own class) of the real envelopes' signer in {@code suite}. */
    public static PublicKeyRecord signer(Suite suite) {
        try {
            return PublicKeyRecord.fromByteBuffer(ByteBuffer.wrap(resource(SIGNERS + suite.name())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An opener trusting exactly the committed signers, at {@link #NOW}. */
    public static EnvelopeOpener opener() {
        Map<String, Verifier> verifiers = new HashMap<>();
        for (Suite suite : Suite.values()) {
            PublicKeyHandle key = PublicKeyRecords.fromRecord(signer(suite));
            verifiers.put(key.keyId().toString(), CryptoSuites.get(suite).verifier(key));
        }
        return new EnvelopeOpener(id -> Optional.ofNullable(verifiers.get(id)),
                Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofSeconds(5));
    }

    /** The committed real envelopes, encoded, by file name: one per message type and suite. */
    public static Map<String, byte[]> realEnvelopes() {
        Map<String, byte[]> real = new TreeMap<>();
        for (Suite suite : Suite.values()) {
            for (MessageType type : MessageType.values()) {
                String name = realEnvelopeName(type, suite);
                real.put(name, resource(REAL_ENVELOPES + name));
            }
        }
        return real;
    }

    public static String realEnvelopeName(MessageType type, Suite suite) {
        return REAL_PREFIX + type.name() + "-" + suite.name();
    }

    /** The real envelopes as a set of byte strings. */
    public static Set<ByteBuffer> realEnvelopeSet() {
        return realEnvelopes().values().stream().map(bytes -> ByteBuffer.wrap(Arrays.copyOf(bytes, bytes.length)))
                .collect(Collectors.toUnmodifiableSet());
    }

    /**
     * The single-object encoding {@code bytes} with its 8-byte schema fingerprint set to {@code type}'s
     * current version. The fingerprint is framing a signature cannot cover: a real envelope or registry
     * entry framed as an older released version of the same binary layout (v1 differs from v2 by enum
     * names only) decodes to the same signed fields and is the same message, not a forgery. Every other
     * byte of an input that is accepted must be a real one's (the codec refuses non-canonical encodings).
     */
    public static byte[] reframedAsCurrent(byte[] bytes, Class<? extends SpecificRecord> type) {
        byte[] reframed = bytes.clone();
        if (reframed.length >= 10) {
            ByteBuffer.wrap(reframed, 2, Long.BYTES).order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(ProtocolSchemas.fingerprint(ProtocolSchemas.currentSchema(type)));
        }
        return reframed;
    }

    private static byte[] resource(String name) {
        try (InputStream in = FuzzInputs.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
