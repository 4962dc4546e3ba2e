package io.vmigrate.host.enrollment;

import io.vmigrate.trust.KeyPurpose;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.Suite;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Properties;

/**
 * Reads the center public key the operator gives this host: the file the center vault exports
 * ({@code format=vmigrate-center-public-key-v1}, {@code suite}, {@code keyId}, {@code spki} in base64),
 * or a bare SubjectPublicKeyInfo DER of the configured suite. Never taken from Kafka.
 */
public final class CenterKeyFile {

    public static final String FORMAT = "vmigrate-center-public-key-v1";

    private CenterKeyFile() {}

    public static PublicKeyHandle read(Path file, Suite expectedSuite) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        PublicKeyHandle key = looksLikeText(bytes) ? fromProperties(file, bytes) : fromDer(file, bytes, expectedSuite);
        if (key.suite() != expectedSuite) {
            throw new IOException("center public key in " + file + " is " + key.suite() + " but this host is configured for "
                    + expectedSuite);
        }
        return key;
    }

    private static PublicKeyHandle fromProperties(Path file, byte[] bytes) throws IOException {
        Properties properties = new Properties();
        properties.load(new StringReader(new String(bytes, StandardCharsets.UTF_8)));
        if (!FORMAT.equals(properties.getProperty("format"))) {
            throw new IOException(file + " is not a vmigrate center public key file (format " + FORMAT + ")");
        }
        try {
            Suite suite = Suite.parse(properties.getProperty("suite"));
            byte[] spki = Base64.getDecoder().decode(properties.getProperty("spki", ""));
            PublicKeyHandle key = PublicKeyHandle.decode(suite, KeyPurpose.SIGNING, spki);
            if (!key.keyId().toString().equals(properties.getProperty("keyId"))) {
                throw new IOException(file + " states key id " + properties.getProperty("keyId") + " but holds key " + key.keyId());
            }
            return key;
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " holds no valid center public key: " + e.getMessage(), e);
        }
    }

    private static PublicKeyHandle fromDer(Path file, byte[] der, Suite suite) throws IOException {
        try {
            return PublicKeyHandle.decode(suite, KeyPurpose.SIGNING, der);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " holds no valid " + suite + " center public key: " + e.getMessage(), e);
        }
    }

    /** DER starts with a SEQUENCE tag (0x30); the vault's export is printable text. */
    private static boolean looksLikeText(byte[] bytes) {
        return bytes.length > 0 && bytes[0] != 0x30;
    }
}
