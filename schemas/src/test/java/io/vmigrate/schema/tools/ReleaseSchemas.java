package io.vmigrate.schema.tools;

import io.vmigrate.schema.serde.ProtocolSchemas;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.avro.Schema;

/**
 * Releases every current top-level schema that is not yet in {@code avro-history/}: writes it as the
 * next version file and appends it to the index. Never rewrites a released file. Run from the
 * repository root:
 * {@code mvn -q -pl schemas test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.vmigrate.schema.tools.ReleaseSchemas}
 * or with plain {@code java} on the test classpath.
 */
public final class ReleaseSchemas {

    private ReleaseSchemas() {}

    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : "schemas/src/main/resources/avro-history");
        Set<Long> released = ProtocolSchemas.releasedSchemas().stream()
                .map(ProtocolSchemas::fingerprint).collect(Collectors.toSet());
        Path index = root.resolve("index.txt");
        for (var type : ProtocolSchemas.TOP_LEVEL_RECORDS) {
            Schema current = ProtocolSchemas.currentSchema(type);
            if (released.contains(ProtocolSchemas.fingerprint(current))) {
                continue;
            }
            Path dir = root.resolve(current.getFullName());
            Files.createDirectories(dir);
            int version = 1;
            while (Files.exists(dir.resolve("v" + version + ".avsc"))) {
                version++;
            }
            String file = current.getFullName() + "/v" + version + ".avsc";
            Files.writeString(root.resolve(file), current.toString(true) + "\n");
            Files.writeString(index, Files.readString(index) + file + "\n");
            System.out.println("released " + file);
        }
    }
}
