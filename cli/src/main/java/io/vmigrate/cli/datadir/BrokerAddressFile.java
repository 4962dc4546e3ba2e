package io.vmigrate.cli.datadir;

import io.vmigrate.common.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;

/**
 * A small properties file, {@code <dataDir>/cluster.properties}, through which the operator commands find a
 * running embedded cluster without flags. It holds {@code bootstrap.servers}.
 * The embedded module's Kafka node group writes it once the cluster is ready and deletes it on close.
 */
public final class BrokerAddressFile {

    /** File name inside the data directory. */
    public static final String FILE_NAME = "cluster.properties";
    /** Key of the bootstrap servers entry. */
    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";

    private BrokerAddressFile() {
    }

    /** Location of the address file for a data directory. */
    public static Path location(Path dataDir) {
        return Objects.requireNonNull(dataDir, "dataDir").resolve(FILE_NAME);
    }

    /** Writes (atomically replaces) the address file and returns its path. */
    public static Path write(Path dataDir, String bootstrapServers) {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Path file = location(dataDir);
        Properties props = new Properties();
        props.setProperty(BOOTSTRAP_SERVERS, bootstrapServers);
        try {
            AtomicFiles.write(file, AtomicFiles.Permissions.DEFAULT, out -> props.store(out, "vmigrate embedded Kafka cluster"));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Reads {@code bootstrap.servers} from the address file, empty if there is no file or no entry. */
    public static Optional<String> read(Path dataDir) {
        Path file = location(dataDir);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            props.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        String value = props.getProperty(BOOTSTRAP_SERVERS);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    /** Deletes the address file if present. */
    public static void delete(Path dataDir) {
        try {
            Files.deleteIfExists(location(dataDir));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + location(dataDir), e);
        }
    }
}
