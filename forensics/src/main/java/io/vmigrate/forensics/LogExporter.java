package io.vmigrate.forensics;

import io.vmigrate.common.io.AtomicFiles;
import io.vmigrate.schema.forensics.ExportedRecord;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * Writes a {@link LogSource} into one Avro object container file (deflate), schema
 * {@code io.vmigrate.schema.forensics.ExportedRecord} inside, so Avro's own tools read it. File
 * metadata: {@code vmigrate.exported-at}, {@code vmigrate.bootstrap}, {@code vmigrate.version},
 * {@code vmigrate.count.<topic>} and {@code vmigrate.records}.
 */
public final class LogExporter {

    public static final String META_EXPORTED_AT = "vmigrate.exported-at";
    public static final String META_BOOTSTRAP = "vmigrate.bootstrap";
    public static final String META_VERSION = "vmigrate.version";
    public static final String META_COUNT_PREFIX = "vmigrate.count.";
    public static final String META_RECORDS = "vmigrate.records";
    private static final int DEFLATE_LEVEL = 6;

    private LogExporter() {}

    /**
     * Copies every record of {@code source} to {@code out}. The records go to a temporary file first
     * (the counts must be in the header, which Avro writes first), then are block-copied behind the
     * final header into a crash-safe replacement of {@code out}.
     */
    public static Map<String, Long> export(LogSource source, Path out, Instant exportedAt, String bootstrap,
            String version) throws IOException {
        Path dir = out.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path records = Files.createTempFile(dir, ".vmigrate-export", ".records");
        try {
            Map<String, Long> counts = new TreeMap<>();
            try (var writer = new DataFileWriter<>(new SpecificDatumWriter<>(ExportedRecord.class))) {
                writer.setCodec(CodecFactory.deflateCodec(DEFLATE_LEVEL));
                writer.create(ExportedRecord.getClassSchema(), records.toFile());
                source.read(topic -> true, record -> {
                    try {
                        writer.append(record);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    counts.merge(record.getTopic(), 1L, Long::sum);
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            AtomicFiles.write(out, AtomicFiles.Permissions.DEFAULT, target -> {
                try (var writer = new DataFileWriter<GenericRecord>(new org.apache.avro.generic.GenericDatumWriter<>());
                        InputStream in = new BufferedInputStream(Files.newInputStream(records));
                        var copied = new DataFileStream<GenericRecord>(in, new GenericDatumReader<>())) {
                    writer.setCodec(CodecFactory.deflateCodec(DEFLATE_LEVEL));
                    writer.setMeta(META_EXPORTED_AT, exportedAt.toString());
                    writer.setMeta(META_BOOTSTRAP, bootstrap == null ? "" : bootstrap);
                    writer.setMeta(META_VERSION, version == null ? "" : version);
                    long total = 0;
                    for (var count : counts.entrySet()) {
                        writer.setMeta(META_COUNT_PREFIX + count.getKey(), Long.toString(count.getValue()));
                        total += count.getValue();
                    }
                    writer.setMeta(META_RECORDS, Long.toString(total));
                    writer.create(ExportedRecord.getClassSchema(), target);
                    writer.appendAllFrom(copied, false);
                }
            });
            return counts;
        } finally {
            Files.deleteIfExists(records);
        }
    }

    /** The vmigrate metadata of an export file (keys starting with {@code vmigrate.}), sorted. */
    public static Map<String, String> metadata(Path file) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file));
                var stream = new DataFileStream<GenericRecord>(in, new GenericDatumReader<>())) {
            Map<String, String> meta = new TreeMap<>();
            for (String key : stream.getMetaKeys()) {
                if (key.startsWith("vmigrate.")) {
                    meta.put(key, new String(stream.getMeta(key), StandardCharsets.UTF_8));
                }
            }
            return meta;
        }
    }
}
