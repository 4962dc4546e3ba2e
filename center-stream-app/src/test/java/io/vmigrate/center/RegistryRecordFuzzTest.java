package io.vmigrate.center;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vmigrate.schema.fuzz.FuzzInputs;
import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.registry.TrustRegistryEntry;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.Suite;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Any value on {@code trust.registry}, read as the global store and the reasserter read it: the
 * deserializer never throws (not even an Error: the global thread would die of it), the judge never
 * throws, and an entry is taken only if it is byte-identical to one the center signed but for its schema
 * version's fingerprint ({@link FuzzInputs#reframedAsCurrent}; the committed {@code real-*} inputs, signed by
 * a key whose private half was discarded), even under the key the entry names, which is the key an attacker
 * would write it under.
 */
class RegistryRecordFuzzTest {

    private static final String INPUTS = "RegistryRecordFuzzTestInputs/takesOnlyRealCenterEntries/";
    private static final List<String> REAL_KINDS = List.of("host", "retired-host", "pending-host", "center-key");
    private static final RegistryRecordDeserializer VALUES =
            new RegistryRecordDeserializer(Topics.withDefaultWireFormat().trustRegistry().valueSerde().deserializer());
    private static final CenterRegistryEntries JUDGE = new CenterRegistryEntries(
            CryptoSuites.get(Suite.INTL).verifier(PublicKeyRecords.fromRecord(FuzzInputs.signer(Suite.INTL))));
    private static final Map<String, byte[]> REAL = REAL_KINDS.stream()
            .collect(Collectors.toMap(Function.identity(), kind -> resource(FuzzInputs.REAL_PREFIX + kind)));
    private static final Set<ByteBuffer> REAL_VALUES = REAL.values().stream().map(ByteBuffer::wrap).collect(Collectors.toSet());

    @FuzzTest(maxDuration = "3m")
    void takesOnlyRealCenterEntries(byte[] value) {
        RegistryRecord record = VALUES.deserialize(Topics.TRUST_REGISTRY, value);
        String key = record instanceof RegistryRecord.Decoded decoded ? decoded.entry().getEntryId() : "host:" + FuzzInputs.HOST;
        CenterRegistryEntries.Verdict verdict = JUDGE.judge(key, record, null);
        if (verdict.taken().isPresent() && !REAL_VALUES.contains(ByteBuffer.wrap(FuzzInputs.reframedAsCurrent(value, TrustRegistryEntry.class)))) {
            throw new AssertionError("a registry value the center did not write was taken under " + CenterRegistryEntries.printable(key));
        }
    }

    /** Without this the oracle could hold vacuously: every real entry is taken under its own key. */
    @Test
    void everyRealEntryIsTaken() {
        for (byte[] value : REAL.values()) {
            RegistryRecord record = VALUES.deserialize(Topics.TRUST_REGISTRY, value);
            assertThat(record).isInstanceOf(RegistryRecord.Decoded.class);
            String key = ((RegistryRecord.Decoded) record).entry().getEntryId();
            assertThat(JUDGE.judge(key, record, null).taken()).isPresent();
        }
    }

    /** The two reproducers in the inputs: another version's framing is the same entry, a padded varint is not one. */
    @Test
    void aRealEntryFramedAsVersion1IsTakenAndAnOverlongVarintIsNot() {
        RegistryRecord reframed = VALUES.deserialize(Topics.TRUST_REGISTRY, resource("reframed-as-v1-host"));
        assertThat(JUDGE.judge("host:" + FuzzInputs.HOST, reframed, null).taken()).isPresent();
        assertThat(VALUES.deserialize(Topics.TRUST_REGISTRY, resource("overlong-varint-host")))
                .isInstanceOf(RegistryRecord.Undecodable.class);
    }

    private static byte[] resource(String name) {
        try (InputStream in = RegistryRecordFuzzTest.class.getResourceAsStream(INPUTS + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + INPUTS + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
