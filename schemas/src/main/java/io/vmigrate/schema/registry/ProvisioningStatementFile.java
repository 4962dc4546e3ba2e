package io.vmigrate.schema.registry;

import io.vmigrate.common.io.AtomicFiles;
import io.vmigrate.schema.common.WireSuite;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Properties;

/**
 * A provisioning statement as a file, carried from the CA ({@code vmigrate provisioning-ca issue}) to
 * the host agent that presents it at enrollment: {@code format=vmigrate-provisioning-statement-v1},
 * the statement's fields (times in ISO-8601) and its signature in base64. Reading checks the shape
 * only; the center checks the signature.
 */
public final class ProvisioningStatementFile {

    public static final String FORMAT = "vmigrate-provisioning-statement-v1";
    private static final int MAX_FILE_BYTES = 16 * 1024;

    private ProvisioningStatementFile() {}

    public static void write(Path file, ProvisioningStatement statement) throws IOException {
        String text = "# vmigrate provisioning statement; give it to the host agent (vmigrate.host.provisioning.statement.file)\n"
                + "format=" + FORMAT + "\n"
                + "hostId=" + statement.getHostId() + "\n"
                + "secureZoneSigningKeyId=" + statement.getSecureZoneSigningKeyId() + "\n"
                + "caKeyId=" + statement.getCaKeyId() + "\n"
                + "suite=" + statement.getSuite().name() + "\n"
                + "issuedAt=" + statement.getIssuedAt() + "\n"
                + "expiresAt=" + statement.getExpiresAt() + "\n"
                + "signature=" + Base64.getEncoder().encodeToString(
                        io.vmigrate.schema.serde.ByteBuffers.toArray(statement.getSignature())) + "\n";
        AtomicFiles.writeString(file, text, AtomicFiles.Permissions.DEFAULT);
    }

    public static ProvisioningStatement read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new IOException(file + " is " + size + " bytes; a provisioning statement is at most " + MAX_FILE_BYTES);
        }
        Properties properties = new Properties();
        properties.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
        if (!FORMAT.equals(properties.getProperty("format"))) {
            throw new IOException(file + " is not a provisioning statement (format " + FORMAT + ")");
        }
        try {
            return ProvisioningStatement.newBuilder()
                    .setHostId(required(properties, "hostId"))
                    .setSecureZoneSigningKeyId(required(properties, "secureZoneSigningKeyId"))
                    .setCaKeyId(required(properties, "caKeyId"))
                    .setSuite(WireSuite.valueOf(required(properties, "suite")))
                    .setIssuedAt(Instant.parse(required(properties, "issuedAt")))
                    .setExpiresAt(Instant.parse(required(properties, "expiresAt")))
                    .setSignature(ByteBuffer.wrap(Base64.getDecoder().decode(required(properties, "signature"))))
                    .build();
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw new IOException(file + " holds no valid provisioning statement: " + e.getMessage(), e);
        }
    }

    private static String required(Properties properties, String name) {
        String value = properties.getProperty(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("missing " + name);
        }
        return value.strip();
    }
}
