package io.vmigrate.schema.operator;

import io.vmigrate.common.io.AtomicFiles;
import io.vmigrate.trust.KeyPurpose;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.Suite;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The operators a center trusts, one per line: {@code <name> <role> <suite> <keyId> <spki-base64>}
 * (role OPERATOR, AUDITOR or ADMIN; the key id must match the key). {@code #} starts a comment.
 * {@code vmigrate operator init} prints the line for a new key; {@code vmigrate up} writes the file
 * for the keys it creates. Public keys only: the file needs no protection beyond integrity.
 */
public final class OperatorsFile implements OperatorKeys {

    private static final int MAX_FILE_BYTES = 1024 * 1024;
    private static final int MAX_OPERATORS = 10_000;

    private final Map<String, KnownOperator> byKeyId;

    private OperatorsFile(Map<String, KnownOperator> byKeyId) {
        this.byKeyId = Map.copyOf(byKeyId);
    }

    public static OperatorsFile of(List<KnownOperator> operators) {
        Map<String, KnownOperator> byKeyId = new HashMap<>();
        for (KnownOperator operator : operators) {
            KnownOperator previous = byKeyId.putIfAbsent(operator.keyId(), operator);
            if (previous != null) {
                throw new IllegalArgumentException("key " + operator.keyId() + " is listed for both "
                        + previous.name() + " and " + operator.name());
            }
        }
        return new OperatorsFile(byKeyId);
    }

    /** Reads and validates the file; every operator's key must be of {@code suite}. */
    public static OperatorsFile read(Path file, Suite suite) throws IOException {
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new IOException(file + " is " + size + " bytes; an operators file is at most " + MAX_FILE_BYTES);
        }
        List<KnownOperator> operators = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (operators.size() == MAX_OPERATORS) {
                throw new IOException(file + " lists more than " + MAX_OPERATORS + " operators");
            }
            try {
                KnownOperator operator = parseLine(line);
                if (operator.publicKey().suite() != suite) {
                    throw new IllegalArgumentException("key is " + operator.publicKey().suite() + ", the center runs " + suite);
                }
                operators.add(operator);
            } catch (IllegalArgumentException e) {
                throw new IOException(file + " line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        try {
            return of(operators);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** Writes the file crash-safely. */
    public static void write(Path file, List<KnownOperator> operators) throws IOException {
        StringBuilder text = new StringBuilder("# vmigrate operators: name role suite keyId spki (base64)\n");
        operators.forEach(operator -> text.append(line(operator)).append('\n'));
        AtomicFiles.writeString(file, text.toString(), AtomicFiles.Permissions.DEFAULT);
    }

    /** The line of one operator, as {@code vmigrate operator init} prints it. */
    public static String line(KnownOperator operator) {
        return operator.name() + " " + operator.role().name() + " "
                + operator.publicKey().suite().name().toLowerCase(Locale.ROOT) + " " + operator.keyId() + " "
                + Base64.getEncoder().encodeToString(operator.publicKey().encoded());
    }

    static KnownOperator parseLine(String line) {
        String[] fields = line.split("\\s+");
        if (fields.length != 5) {
            throw new IllegalArgumentException("expected 'name role suite keyId spki', found " + fields.length + " fields");
        }
        OperatorRole role = OperatorRole.parse(fields[1]);
        Suite suite = Suite.parse(fields[2]);
        byte[] spki;
        try {
            spki = Base64.getDecoder().decode(fields[4]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("public key is not base64");
        }
        PublicKeyHandle key = PublicKeyHandle.decode(suite, KeyPurpose.SIGNING, spki);
        if (!key.keyId().toString().equals(fields[3])) {
            throw new IllegalArgumentException("states key id " + fields[3] + " but holds key " + key.keyId());
        }
        return new KnownOperator(fields[0], role, key);
    }

    @Override
    public Optional<KnownOperator> byKeyId(String keyId) {
        return Optional.ofNullable(byKeyId.get(keyId));
    }

    public List<KnownOperator> operators() {
        return List.copyOf(byKeyId.values());
    }
}
