package io.vmigrate.forensics;

import io.vmigrate.schema.keys.CenterPublicKeyFile;
import io.vmigrate.trust.PublicKeyHandle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The center key to pin: the file given, else the one {@code vmigrate up} wrote under the data
 * directory ({@code center/center-public-key.properties}) if present, else none (trust.registry's
 * self-signed entry is used).
 */
public final class CenterKeyOption {

    private CenterKeyOption() {}

    public static Optional<PublicKeyHandle> resolve(Path explicit, Path dataDir) throws IOException {
        if (explicit != null) {
            return Optional.of(CenterPublicKeyFile.read(explicit));
        }
        if (dataDir != null) {
            Path recorded = dataDir.resolve("center").resolve("center-public-key.properties");
            if (Files.isRegularFile(recorded)) {
                return Optional.of(CenterPublicKeyFile.read(recorded));
            }
        }
        return Optional.empty();
    }
}
