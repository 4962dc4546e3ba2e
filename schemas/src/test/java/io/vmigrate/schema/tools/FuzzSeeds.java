package io.vmigrate.schema.tools;

import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.envelope.Addressing;
import io.vmigrate.schema.envelope.EnvelopeSealer;
import io.vmigrate.schema.envelope.MessageCatalogue;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.fuzz.FuzzInputs;
import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.registry.HostEnrollment;
import io.vmigrate.schema.registry.TrustRegistryEntries;
import io.vmigrate.schema.registry.TrustRegistryEntry;
import io.vmigrate.schema.serde.ProtocolSchemas;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.schema.testing.SchemaSamples;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.Signer;
import io.vmigrate.trust.Suite;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * Writes the schemas module's fuzz inputs under {@code schemas/src/test/resources}: a sample of every
 * released schema version for the codec, and for the opener one real envelope of every message type in
 * every suite, signed by a fresh key whose public half is written to {@code signers/} and whose private
 * half is destroyed here, plus the center's real {@code trust.registry} entries signed by the INTL one. Re-running
 * replaces the signers (and the reproducers derived from real inputs), so commit the whole set together and
 * re-run {@code ZoneFuzzSeeds}. Run from the
 * worktree root with the test classpath (see docs/FUZZING.md).
 */
public final class FuzzSeeds {

    /** The center's registry fuzz target's inputs: real entries signed by the INTL signer. */
    static final String REAL_REGISTRY_ENTRIES = "io/vmigrate/center/RegistryRecordFuzzTestInputs/takesOnlyRealCenterEntries";

    private FuzzSeeds() {}

    public static void main(String[] args) throws IOException {
        Path worktree = Path.of(args.length > 0 ? args[0] : ".");
        Path root = worktree.resolve("schemas/src/test/resources");
        writeCodecSamples(root.resolve("io/vmigrate/schema/fuzz/SingleObjectCodecFuzzTestInputs/everyCodecDecodesOrRefuses"));
        Path registryEntries = worktree.resolve("center-stream-app/src/test/resources").resolve(REAL_REGISTRY_ENTRIES);
        writeRealEnvelopes(root, registryEntries);
        writeReproducers(root.resolve(FuzzInputs.REAL_ENVELOPES), "MIGRATE_OUT-INTL", "KEY_INSTALL_REPLY-GM",
                SignedEnvelope.class);
        writeReproducers(registryEntries, "host", "host", TrustRegistryEntry.class);
    }

    private static void writeCodecSamples(Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, Integer> versions = new HashMap<>();
        for (Schema schema : ProtocolSchemas.releasedSchemas()) {
            int version = versions.merge(schema.getFullName(), 1, Integer::sum);
            Files.write(dir.resolve(schema.getName() + "-v" + version), SchemaSamples.singleObject(schema));
        }
    }

    private static void writeRealEnvelopes(Path root, Path registryEntries) throws IOException {
        Path signers = Files.createDirectories(root.resolve(FuzzInputs.SIGNERS));
        Path envelopes = Files.createDirectories(root.resolve(FuzzInputs.REAL_ENVELOPES));
        SingleObjectCodec<SignedEnvelope> codec = SingleObjectCodec.of(SignedEnvelope.class);
        for (Suite suite : Suite.values()) {
            CryptoSuite crypto = CryptoSuites.get(suite);
            PrivateKeyHandle key = crypto.generateSigningKey();
            try {
                Files.write(signers.resolve(suite.name()), PublicKeyRecords.toRecord(key.publicKey()).toByteBuffer().array());
                EnvelopeSealer sealer = new EnvelopeSealer(crypto.signer(key), Clock.fixed(FuzzInputs.NOW, ZoneOffset.UTC),
                        Duration.ofMinutes(1));
                for (MessageType type : MessageType.values()) {
                    SignedEnvelope envelope = sealer.seal("fuzz-" + type.name().toLowerCase() + "-" + suite.name().toLowerCase(),
                            Addressing.of(FuzzInputs.MIGRATION, FuzzInputs.VM, FuzzInputs.HOST, 1), body(type),
                            FuzzInputs.ISSUED_AT, FuzzInputs.EXPIRES_AT);
                    Files.write(envelopes.resolve(FuzzInputs.realEnvelopeName(type, suite)),
                            codec.encode(envelope));
                }
                if (suite == Suite.INTL) {
                    writeRealRegistryEntries(registryEntries, crypto, key);
                }
            } finally {
                key.destroy();
            }
        }
    }

    /** One entry of each kind the center writes to {@code trust.registry}, signed by {@code centerKey}. */
    private static void writeRealRegistryEntries(Path dir, CryptoSuite crypto, PrivateKeyHandle centerKey) throws IOException {
        Files.createDirectories(dir);
        Signer center = crypto.signer(centerKey);
        HostEnrollment host = HostEnrollment.newBuilder().setHostId(FuzzInputs.HOST)
                .setSecureZoneSigningKey(PublicKeyRecords.toRecord(crypto.generateSigningKey().publicKey()))
                .setSecureZoneEncapsulationKey(PublicKeyRecords.toRecord(crypto.generateEncapsulationKey().publicKey()))
                .setAgentKey(PublicKeyRecords.toRecord(crypto.generateSigningKey().publicKey()))
                .setCommandTopic("host." + FuzzInputs.HOST + ".commands").build();
        SingleObjectCodec<TrustRegistryEntry> entries = SingleObjectCodec.of(TrustRegistryEntry.class);
        Files.write(dir.resolve(FuzzInputs.REAL_PREFIX + "host"),
                entries.encode(TrustRegistryEntries.host(host, FuzzInputs.ISSUED_AT, center)));
        Files.write(dir.resolve(FuzzInputs.REAL_PREFIX + "retired-host"),
                entries.encode(TrustRegistryEntries.retiredHost(host, FuzzInputs.NOW, center)));
        Files.write(dir.resolve(FuzzInputs.REAL_PREFIX + "pending-host"),
                entries.encode(TrustRegistryEntries.pendingHost(host, FuzzInputs.ISSUED_AT, center)));
        Files.write(dir.resolve(FuzzInputs.REAL_PREFIX + "center-key"),
                entries.encode(TrustRegistryEntries.centerKey(centerKey.publicKey(), center, FuzzInputs.ISSUED_AT)));
    }

    /**
     * The earlier findings' reproducers, derived from the new real inputs: a real one with its first varint
     * padded by a 0x80 continuation (refused since the codec checks canonical encoding), and a real one
     * framed as the record's first released version (the same signed fields; accepted by design).
     */
    private static void writeReproducers(Path dir, String padded, String reframed, Class<? extends SpecificRecord> type)
            throws IOException {
        byte[] real = Files.readAllBytes(dir.resolve(FuzzInputs.REAL_PREFIX + padded));
        byte[] overlong = new byte[real.length + 1];
        System.arraycopy(real, 0, overlong, 0, 10);
        overlong[10] = (byte) (real[10] | 0x80);
        System.arraycopy(real, 11, overlong, 12, real.length - 11);
        Files.write(dir.resolve("overlong-varint-" + padded), overlong);
        String name = ProtocolSchemas.currentSchema(type).getFullName();
        Schema first = ProtocolSchemas.releasedSchemas().stream().filter(schema -> schema.getFullName().equals(name))
                .findFirst().orElseThrow();
        byte[] other = Files.readAllBytes(dir.resolve(FuzzInputs.REAL_PREFIX + reframed));
        ByteBuffer.wrap(other, 2, Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(ProtocolSchemas.fingerprint(first));
        Files.write(dir.resolve("reframed-as-v1-" + reframed), other);
    }

    /** A sample body of the type's record, naming the envelope's migration and VM. */
    private static SpecificRecord body(MessageType type) {
        Class<? extends SpecificRecord> bodyClass = MessageCatalogue.entry(type).bodyClass();
        SpecificRecord body = SingleObjectCodec.of(bodyClass)
                .decode(SchemaSamples.singleObject(ProtocolSchemas.currentSchema(bodyClass)));
        setIfPresent(body, "migrationId", FuzzInputs.MIGRATION);
        setIfPresent(body, "vmId", FuzzInputs.VM);
        return body;
    }

    private static void setIfPresent(SpecificRecord record, String field, Object value) {
        Schema.Field f = record.getSchema().getField(field);
        if (f != null) {
            record.put(f.pos(), value);
        }
    }
}
