package io.vmigrate.forensics;

import io.vmigrate.schema.forensics.ExportedRecord;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.specific.SpecificDatumReader;

/** Reads a file written by {@link LogExporter}, streaming: one record in memory at a time. */
public final class ExportFileSource implements LogSource {

    private final Path file;

    public ExportFileSource(Path file) {
        this.file = file;
    }

    @Override
    public void read(Predicate<String> topics, Consumer<ExportedRecord> sink) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
                DataFileStream<ExportedRecord> records = new DataFileStream<>(in, new SpecificDatumReader<>(ExportedRecord.class))) {
            ExportedRecord reuse = null;
            while (records.hasNext()) {
                reuse = records.next(reuse);
                if (topics.test(reuse.getTopic())) {
                    sink.accept(reuse);
                }
            }
        }
    }

    @Override
    public String describe() {
        return "file " + file.getFileName();
    }
}
