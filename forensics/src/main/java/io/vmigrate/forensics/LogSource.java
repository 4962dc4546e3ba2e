package io.vmigrate.forensics;

import io.vmigrate.schema.forensics.ExportedRecord;
import java.io.IOException;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The protocol topics' records, from an export file or a cluster, always in the same order:
 * topic name, partition, offset. Can be read more than once (replay reads the trust registry first).
 */
public interface LogSource {

    /** Streams the records of the topics {@code topics} accepts, in order. */
    void read(Predicate<String> topics, Consumer<ExportedRecord> sink) throws IOException;

    /** What this source is, for the report (a file name or "cluster"), without wall-clock data. */
    String describe();
}
