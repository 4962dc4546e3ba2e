package io.vmigrate.schema.serde;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.api.Test;

class SchemaHistoryTest {

    @Test
    void everyCurrentSchemaIsReleasedInTheHistory() {
        // A schema change must be released as a new history version, or old readers are stranded.
        Set<Long> released = ProtocolSchemas.releasedSchemas().stream()
                .map(ProtocolSchemas::fingerprint).collect(Collectors.toSet());
        for (var type : ProtocolSchemas.TOP_LEVEL_RECORDS) {
            Schema current = ProtocolSchemas.currentSchema(type);
            assertThat(released)
                    .as("current schema of %s is in avro-history/", type.getSimpleName())
                    .contains(ProtocolSchemas.fingerprint(current));
        }
    }

    @Test
    void everyReleasedVersionCanBeReadByTheCurrentClass() {
        for (Schema released : ProtocolSchemas.releasedSchemas()) {
            var current = ProtocolSchemas.TOP_LEVEL_RECORDS.stream()
                    .map(ProtocolSchemas::currentSchema)
                    .filter(s -> s.getFullName().equals(released.getFullName()))
                    .findFirst();
            assertThat(current).as("released %s still has a generated class", released.getFullName()).isPresent();
            var result = SchemaCompatibility.checkReaderWriterCompatibility(current.get(), released);
            assertThat(result.getType())
                    .as("current %s reads data written with an older release: %s", released.getFullName(), result.getDescription())
                    .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
        }
    }

    @Test
    void migrationRequestedHasTwoReleasedVersions() {
        long versions = ProtocolSchemas.releasedSchemas().stream()
                .filter(s -> s.getFullName().equals("io.vmigrate.schema.request.MigrationRequested"))
                .count();
        assertThat(versions).isEqualTo(2);
    }
}
