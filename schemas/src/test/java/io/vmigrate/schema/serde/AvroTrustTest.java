package io.vmigrate.schema.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmigrate.schema.request.MigrationRequested;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.util.ClassSecurityValidator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AvroTrustTest {

    @AfterEach
    void restore() {
        AvroTrust.install();
    }

    private static byte[] plainAvro() throws Exception {
        var record = MigrationRequested.newBuilder().setMigrationId("m").setVmId("vm").setSourceHostId("a")
                .setDestinationHostId("b").setRequestedBy("o").setRequestedAt(Instant.EPOCH).build();
        var out = new ByteArrayOutputStream();
        var encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<>(MigrationRequested.class).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static MigrationRequested decodeWithPlainAvro(byte[] bytes) throws Exception {
        // A fresh model has an empty class cache, so the class is looked up (and checked) by name.
        var schema = MigrationRequested.getClassSchema();
        var reader = new SpecificDatumReader<MigrationRequested>(schema, schema, new SpecificData());
        return reader.read(null, DecoderFactory.get().binaryDecoder(bytes, null));
    }

    @Test
    void avroRefusesOurClassesUntilTheyAreMarkedTrusted() throws Exception {
        byte[] bytes = plainAvro();
        ClassSecurityValidator.setGlobal(ClassSecurityValidator.DEFAULT);
        assertThat(AvroTrust.isInstalled()).isFalse();

        assertThatThrownBy(() -> decodeWithPlainAvro(bytes))
                .isInstanceOf(SecurityException.class)
                .hasMessageContaining("Forbidden");

        AvroTrust.install();
        assertThat(AvroTrust.isInstalled()).isTrue();
        assertThat(decodeWithPlainAvro(bytes).getMigrationId()).isEqualTo("m");
    }

    @Test
    void installIsIdempotentAndTrustsOnlyOurPackages() {
        AvroTrust.install();
        var first = ClassSecurityValidator.getGlobal();
        AvroTrust.install();
        assertThat(ClassSecurityValidator.getGlobal()).isSameAs(first);
        assertThat(first.isTrusted(MigrationRequested.class)).isTrue();
        assertThat(first.isTrusted(java.io.File.class)).isFalse();
    }

    @Test
    void everyCodecEntryPointInstallsIt() {
        ClassSecurityValidator.setGlobal(ClassSecurityValidator.DEFAULT);
        SingleObjectCodec.of(MigrationRequested.class);
        assertThat(AvroTrust.isInstalled()).isTrue();
    }
}
