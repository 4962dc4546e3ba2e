package io.vmigrate.schema.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.request.MigrationRejected;
import io.vmigrate.schema.request.MigrationRequested;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class SingleObjectCodecTest {

    private static final Instant AT = Instant.ofEpochMilli(1_790_000_000_000L);

    private static MigrationRequested request() {
        return MigrationRequested.newBuilder()
                .setMigrationId("m-1").setVmId("vm-1").setSourceHostId("h1").setDestinationHostId("h2")
                .setRequestedBy("operator").setRequestedAt(AT).setDeadline(AT.plusSeconds(60))
                .build();
    }

    @Test
    void roundTripsWithTheSingleObjectMarkerAndFingerprint() {
        var codec = SingleObjectCodec.of(MigrationRequested.class);
        byte[] bytes = codec.encode(request());

        assertThat(bytes[0]).isEqualTo((byte) 0xC3);
        assertThat(bytes[1]).isEqualTo((byte) 0x01);
        long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(fingerprint).isEqualTo(ProtocolSchemas.fingerprint(MigrationRequested.getClassSchema()));
        assertThat(codec.decode(bytes)).isEqualTo(request());
    }

    /** Found triaging EnvelopeOpenerFuzzTest's first finding: a varint padded with a 0x80 continuation decoded to the same value. */
    @Test
    void refusesAnOverlongVarintThatWouldDecodeToTheSameRecord() {
        var codec = SingleObjectCodec.of(MigrationRequested.class);
        byte[] canonical = codec.encode(request());
        byte[] overlong = new byte[canonical.length + 1];
        System.arraycopy(canonical, 0, overlong, 0, 10);
        overlong[10] = (byte) (canonical[10] | 0x80); // the migration id's length, continued into a zero byte
        System.arraycopy(canonical, 11, overlong, 12, canonical.length - 11);

        assertThatThrownBy(() -> codec.decode(overlong)).isInstanceOf(SingleObjectCodec.CodecException.class)
                .hasMessageContaining("not the canonical encoding");
    }

    @Test
    void refusesABooleanByteOtherThanZeroOrOne() {
        var codec = SingleObjectCodec.of(io.vmigrate.schema.securezone.SessionChallenge.class);
        byte[] canonical = codec.encode(io.vmigrate.schema.securezone.SessionChallenge.newBuilder()
                .setChallenge(ByteBuffer.wrap(new byte[] {1})).setHostId("h1").setProvisioned(true).build());
        assertThat(canonical[canonical.length - 1]).isEqualTo((byte) 1);
        byte[] other = canonical.clone();
        other[other.length - 1] = 2;

        assertThatThrownBy(() -> codec.decode(other)).isInstanceOf(SingleObjectCodec.CodecException.class);
    }

    @Test
    void decodesARecordWrittenWithTheReleasedVersion1Schema() throws Exception {
        Schema v1;
        try (InputStream in = getClass().getClassLoader()
                .getResourceAsStream("avro-history/io.vmigrate.schema.request.MigrationRequested/v1.avsc")) {
            v1 = new Schema.Parser().parse(in);
        }
        assertThat(v1.getField("deadline")).isNull();
        GenericRecord old = new GenericData.Record(v1);
        old.put("migrationId", "m-old");
        old.put("vmId", "vm-7");
        old.put("sourceHostId", "h1");
        old.put("destinationHostId", "h3");
        old.put("requestedBy", "ops");
        old.put("requestedAt", AT.toEpochMilli());
        ByteBuffer written = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old);
        byte[] bytes = new byte[written.remaining()];
        written.get(bytes);

        MigrationRequested decoded = SingleObjectCodec.of(MigrationRequested.class).decode(bytes);

        assertThat(decoded.getMigrationId()).isEqualTo("m-old");
        assertThat(decoded.getVmId()).isEqualTo("vm-7");
        assertThat(decoded.getRequestedAt()).isEqualTo(AT);
        assertThat(decoded.getDeadline()).as("field added in v2 takes its default").isNull();
    }

    @Test
    void decodesAnEnvelopeWrittenBeforeTheSuiteEnumWasRenamed() throws Exception {
        // v1 named the enum io.vmigrate.schema.common.Suite; the current WireSuite lists it as an alias.
        Schema v1;
        try (InputStream in = getClass().getClassLoader()
                .getResourceAsStream("avro-history/io.vmigrate.schema.envelope.SignedEnvelope/v1.avsc")) {
            v1 = new Schema.Parser().parse(in);
        }
        assertThat(v1.getField("suite").schema().getFullName()).isEqualTo("io.vmigrate.schema.common.Suite");
        var crypto = io.vmigrate.trust.CryptoSuites.get(io.vmigrate.trust.Suite.GM);
        var envelope = new io.vmigrate.schema.envelope.EnvelopeSealer(crypto.signer(crypto.generateSigningKey()),
                java.time.Clock.systemUTC(), java.time.Duration.ofMinutes(1))
                .seal(io.vmigrate.schema.envelope.Addressing.of("m1", "vm1", "h1", 3), io.vmigrate.schema.command.DeregisterVm
                        .newBuilder().setMigrationId("m1").setVmId("vm1").setEpoch(3).setRetiredKeyFingerprint("f").build());
        GenericData withTimes = new GenericData();
        withTimes.addLogicalTypeConversion(new org.apache.avro.data.TimeConversions.TimestampMillisConversion());
        GenericRecord old = (GenericRecord) withTimes.deepCopy(v1, envelope);
        ByteBuffer written = new BinaryMessageEncoder<GenericRecord>(withTimes, v1).encode(old);
        byte[] bytes = new byte[written.remaining()];
        written.get(bytes);

        var decoded = SingleObjectCodec.of(io.vmigrate.schema.envelope.SignedEnvelope.class).decode(bytes);

        assertThat(decoded).isEqualTo(envelope);
        assertThat(decoded.getSuite()).isEqualTo(io.vmigrate.schema.common.WireSuite.GM);
    }

    @Test
    void refusesAnUnknownFingerprint() {
        byte[] bytes = SingleObjectCodec.of(MigrationRequested.class).encode(request());
        bytes[5] ^= 0x01;
        assertThatThrownBy(() -> SingleObjectCodec.of(MigrationRequested.class).decode(bytes))
                .isInstanceOf(SingleObjectCodec.CodecException.class)
                .hasMessageContaining("unknown writer schema fingerprint");
    }

    @Test
    void refusesAMissingMarker() {
        byte[] bytes = SingleObjectCodec.of(MigrationRequested.class).encode(request());
        bytes[0] = 0;
        assertThatThrownBy(() -> SingleObjectCodec.of(MigrationRequested.class).decode(bytes))
                .isInstanceOf(SingleObjectCodec.CodecException.class)
                .hasMessageContaining("marker");
    }

    @Test
    void refusesTruncationAndTrailingBytes() {
        var codec = SingleObjectCodec.of(MigrationRequested.class);
        byte[] bytes = codec.encode(request());
        for (int length = 0; length < bytes.length; length++) {
            byte[] truncated = Arrays.copyOf(bytes, length);
            assertThatThrownBy(() -> codec.decode(truncated)).isInstanceOf(SingleObjectCodec.CodecException.class);
        }
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
        assertThatThrownBy(() -> codec.decode(longer))
                .isInstanceOf(SingleObjectCodec.CodecException.class)
                .hasMessageContaining("trailing");
    }

    @Test
    void refusesARecordOfAnotherType() {
        byte[] rejected = SingleObjectCodec.of(MigrationRejected.class).encode(MigrationRejected.newBuilder()
                .setMigrationId("m").setVmId("vm").setReason(RefusalReason.VM_UNKNOWN).setDetail("d").setRejectedAt(AT).build());
        assertThatThrownBy(() -> SingleObjectCodec.of(MigrationRequested.class).decode(rejected))
                .isInstanceOf(SingleObjectCodec.CodecException.class)
                .hasMessageContaining("expected io.vmigrate.schema.request.MigrationRequested");
    }

    @Test
    void kafkaSerdeKeepsNullsAndNamesTheTopicOnFailure() {
        var serde = WireFormat.DEFAULT.serdeFactory().serde(MigrationRequested.class);
        assertThat(serde.serializer().serialize("t", null)).isNull();
        assertThat(serde.deserializer().deserialize("t", null)).isNull();
        assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", request()))).isEqualTo(request());
        assertThatThrownBy(() -> serde.deserializer().deserialize("migration.requests", new byte[] {1, 2, 3}))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("migration.requests");
    }

    @Test
    void wireFormatIsChosenByName() {
        assertThat(WireFormat.parse("single-object")).isEqualTo(WireFormat.SINGLE_OBJECT);
        assertThatThrownBy(() -> WireFormat.parse("protobuf"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(WireFormat.CONFIG)
                .hasMessageContaining("single-object");
    }
}
