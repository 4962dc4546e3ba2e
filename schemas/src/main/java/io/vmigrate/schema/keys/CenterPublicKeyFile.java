package io.vmigrate.schema.keys;

import io.vmigrate.common.io.AtomicFiles;
import io.vmigrate.trust.KeyPurpose;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.Suite;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Locale;
import java.util.Properties;

/**
 * The file that carries the center's public signing key to secure zones, host agents and
 * forensic tools, never over Kafka: {@code format=vmigrate-center-public-key-v1}, {@code suite},
 * {@code keyId} and {@code spki} (SubjectPublicKeyInfo DER, base64). A bare DER file of the expected
 * suite is read too.
 */
public final class CenterPublicKeyFile {

    public static final String FORMAT = "vmigrate-center-public-key-v1";
    private static final int MAX_FILE_BYTES = 64 * 1024;

    private CenterPublicKeyFile() {}

    /** Writes {@code key} crash-safely, so operators and the CLI can pin it without the vault password. */
    public static void write(Path file, PublicKeyHandle key) throws IOException {
        String text = "# center public key of vmigrate; pin it in every secure zone\n"
                + "format=" + FORMAT + "\n"
                + "suite=" + key.suite().name().toLowerCase(Locale.ROOT) + "\n"
                + "keyId=" + key.keyId() + "\n"
                + "spki=" + Base64.getEncoder().encodeToString(key.encoded()) + "\n";
        AtomicFiles.writeString(file, text, AtomicFiles.Permissions.DEFAULT);
    }

    /** Reads a center key file of any suite, checking that the stated key id matches the key. */
    public static PublicKeyHandle read(Path file) throws IOException {
        byte[] bytes = readBounded(file);
        if (!looksLikeText(bytes)) {
            throw new IOException(file + " is not a vmigrate center public key file (format " + FORMAT + ")");
        }
        return fromProperties(file, bytes);
    }

    /** Reads the text format or bare DER, and refuses a key of another suite than {@code expectedSuite}. */
    public static PublicKeyHandle read(Path file, Suite expectedSuite) throws IOException {
        byte[] bytes = readBounded(file);
        PublicKeyHandle key = looksLikeText(bytes) ? fromProperties(file, bytes) : fromDer(file, bytes, expectedSuite);
        if (key.suite() != expectedSuite) {
            throw new IOException("center public key in " + file + " is " + key.suite() + " but " + expectedSuite
                    + " is configured");
        }
        return key;
    }

    private static byte[] readBounded(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new IOException(file + " is " + size + " bytes; a center public key file is at most " + MAX_FILE_BYTES);
        }
        return Files.readAllBytes(file);
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
