package io.vmigrate.schema.keys;

import io.vmigrate.common.io.AtomicFiles;
import io.vmigrate.trust.KeyPurpose;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.Suite;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Public signing keys a receiver trusts as roots for one purpose (the center's provisioning CAs,
 * its admin keys), one per line: {@code <name> <suite> <keyId> <spki-base64>}; the key id must match
 * the key, {@code #} starts a comment. Public keys only: the file needs integrity, not secrecy.
 */
public final class TrustAnchors {

    /** One trusted root key and the name it is known by (in logs and approvals). */
    public record Anchor(String name, PublicKeyHandle key) {
        public String keyId() {
            return key.keyId().toString();
        }
    }

    private static final int MAX_FILE_BYTES = 256 * 1024;
    private static final int MAX_ANCHORS = 1_000;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");

    private final Map<String, Anchor> byKeyId;

    private TrustAnchors(Map<String, Anchor> byKeyId) {
        this.byKeyId = Map.copyOf(byKeyId);
    }

    public static TrustAnchors none() {
        return new TrustAnchors(Map.of());
    }

    public static TrustAnchors of(List<Anchor> anchors) {
        Map<String, Anchor> byKeyId = new LinkedHashMap<>();
        for (Anchor anchor : anchors) {
            check(anchor);
            if (byKeyId.putIfAbsent(anchor.keyId(), anchor) != null) {
                throw new IllegalArgumentException("key " + anchor.keyId() + " is listed twice");
            }
        }
        return new TrustAnchors(byKeyId);
    }

    /** Reads and validates the file; every key must be a signing key of {@code suite}. */
    public static TrustAnchors read(Path file, Suite suite) throws IOException {
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new IOException(file + " is " + size + " bytes; a trust-anchors file is at most " + MAX_FILE_BYTES);
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<Anchor> anchors = new java.util.ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (anchors.size() == MAX_ANCHORS) {
                throw new IOException(file + " lists more than " + MAX_ANCHORS + " keys");
            }
            try {
                Anchor anchor = parseLine(line);
                if (anchor.key().suite() != suite) {
                    throw new IllegalArgumentException("key is " + anchor.key().suite() + ", the center runs " + suite);
                }
                anchors.add(anchor);
            } catch (IllegalArgumentException e) {
                throw new IOException(file + " line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        try {
            return of(anchors);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    public static void write(Path file, String heading, List<Anchor> anchors) throws IOException {
        StringBuilder text = new StringBuilder("# ").append(heading).append(": name suite keyId spki (base64)\n");
        anchors.forEach(anchor -> text.append(line(anchor)).append('\n'));
        AtomicFiles.writeString(file, text.toString(), AtomicFiles.Permissions.DEFAULT);
    }

    /** The line of one key, as the CLI prints it for the center's file. */
    public static String line(Anchor anchor) {
        check(anchor);
        return anchor.name() + " " + anchor.key().suite().name().toLowerCase(Locale.ROOT) + " " + anchor.keyId() + " "
                + Base64.getEncoder().encodeToString(anchor.key().encoded());
    }

    static Anchor parseLine(String line) {
        String[] fields = line.split("\\s+");
        if (fields.length != 4) {
            throw new IllegalArgumentException("expected 'name suite keyId spki', found " + fields.length + " fields");
        }
        byte[] spki;
        try {
            spki = Base64.getDecoder().decode(fields[3]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("public key is not base64");
        }
        PublicKeyHandle key = PublicKeyHandle.decode(Suite.parse(fields[1]), KeyPurpose.SIGNING, spki);
        if (!key.keyId().toString().equals(fields[2])) {
            throw new IllegalArgumentException("states key id " + fields[2] + " but holds key " + key.keyId());
        }
        Anchor anchor = new Anchor(fields[0], key);
        check(anchor);
        return anchor;
    }

    private static void check(Anchor anchor) {
        if (anchor.name() == null || !NAME.matcher(anchor.name()).matches()) {
            throw new IllegalArgumentException("name must match " + NAME.pattern() + ": '" + anchor.name() + "'");
        }
        if (anchor.key().purpose() != KeyPurpose.SIGNING) {
            throw new IllegalArgumentException(anchor.name() + ": a " + anchor.key().purpose() + " key cannot sign");
        }
    }

    public Optional<Anchor> byKeyId(String keyId) {
        return Optional.ofNullable(byKeyId.get(keyId));
    }

    public boolean isEmpty() {
        return byKeyId.isEmpty();
    }

    public List<Anchor> anchors() {
        return List.copyOf(byKeyId.values());
    }
}
