package io.vmigrate.forensics;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.forensics.ExportedRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogExporterTest {

    @TempDir
    Path dir;

    @Test
    void anExportReadsBackRecordForRecordAndReplaysTheSame() throws Exception {
        SyntheticLog log = new SyntheticLog();
        log.enroll("h1");
        log.enroll("h2");
        log.migrate("m1", "vm-1", "h1", "h2", 0, SyntheticLog.T0);
        Path file = dir.resolve("export.avro");

        var counts = LogExporter.export(log, file, Instant.parse("2025-02-01T00:00:00Z"), "localhost:9092", "test");

        List<ExportedRecord> original = new ArrayList<>();
        log.read(t -> true, original::add);
        List<ExportedRecord> back = new ArrayList<>();
        new ExportFileSource(file).read(t -> true, r -> back.add(ExportedRecord.newBuilder(r).build()));
        assertThat(back).isEqualTo(original);
        assertThat(counts).containsEntry("migration.audit", 8L);
        assertThat(LogExporter.metadata(file)).containsEntry("vmigrate.count.migration.audit", "8")
                .containsEntry("vmigrate.bootstrap", "localhost:9092").containsEntry("vmigrate.version", "test")
                .containsEntry("vmigrate.exported-at", "2025-02-01T00:00:00Z")
                .containsEntry("vmigrate.records", Integer.toString(original.size()));
        var pinned = Optional.of(log.center.centerPublicKey());
        assertThat(ReplayEngine.replay(new ExportFileSource(file), pinned, Optional.empty(), Duration.ofSeconds(30)).anomalies())
                .isEmpty();
    }

    @Test
    void avrosOwnGenericReaderReadsTheFileWithoutVmigrateClasses() throws Exception {
        SyntheticLog log = new SyntheticLog();
        Path file = dir.resolve("export.avro");
        LogExporter.export(log, file, Instant.EPOCH, "", "");

        try (var reader = new DataFileReader<GenericRecord>(file.toFile(), new GenericDatumReader<>())) {
            assertThat(reader.getSchema().getFullName()).isEqualTo("io.vmigrate.schema.forensics.ExportedRecord");
            assertThat(reader.getMetaString("avro.codec")).isEqualTo("deflate");
            GenericRecord first = reader.next();
            assertThat(first.get("topic").toString()).isEqualTo("trust.registry");
            assertThat(first.get("offset")).isEqualTo(0L);
        }
    }
}
