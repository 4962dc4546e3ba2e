package io.vmigrate.center;

import io.vmigrate.common.io.AtomicFiles;
import io.vmigrate.schema.topic.HostIds;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Hosts approved before they enroll (as HGS keeps an allow-list of known hosts): host id → the
 * fingerprint (key id) of its secure-zone signing key, one {@code <hostId> <fingerprint>} per line,
 * {@code #} for comments. A host that enrolls with exactly that key is trusted at once.
 */
public final class HostAllowList {

    private static final int MAX_FILE_BYTES = 1024 * 1024;
    private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-f]{32}");

    private final Map<String, String> fingerprints;

    private HostAllowList(Map<String, String> fingerprints) {
        this.fingerprints = Map.copyOf(fingerprints);
    }

    public static HostAllowList none() {
        return new HostAllowList(Map.of());
    }

    public static HostAllowList of(Map<String, String> fingerprints) {
        fingerprints.forEach(HostAllowList::check);
        return new HostAllowList(fingerprints);
    }

    public static HostAllowList read(Path file) throws IOException {
        if (Files.size(file) > MAX_FILE_BYTES) {
            throw new IOException(file + " is larger than " + MAX_FILE_BYTES + " bytes");
        }
        Map<String, String> fingerprints = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split("\\s+");
            try {
                if (fields.length != 2) {
                    throw new IllegalArgumentException("expected '<hostId> <fingerprint>'");
                }
                check(fields[0], fields[1]);
                if (fingerprints.putIfAbsent(fields[0], fields[1]) != null) {
                    throw new IllegalArgumentException("host " + fields[0] + " is listed twice");
                }
            } catch (IllegalArgumentException e) {
                throw new IOException(file + " line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return new HostAllowList(fingerprints);
    }

    public static void write(Path file, Map<String, String> fingerprints) throws IOException {
        fingerprints.forEach(HostAllowList::check);
        StringBuilder text = new StringBuilder("# vmigrate pre-approved hosts: hostId secure-zone-signing-key-fingerprint\n");
        fingerprints.forEach((host, fingerprint) -> text.append(host).append(' ').append(fingerprint).append('\n'));
        AtomicFiles.writeString(file, text.toString(), AtomicFiles.Permissions.DEFAULT);
    }

    /** Whether a fingerprint looks like one (a key id: 32 lower-case hex digits). */
    public static boolean isFingerprint(String text) {
        return text != null && FINGERPRINT.matcher(text).matches();
    }

    private static void check(String hostId, String fingerprint) {
        if (!HostIds.isValid(hostId)) {
            throw new IllegalArgumentException("invalid host id '" + hostId + "'");
        }
        if (!isFingerprint(fingerprint)) {
            throw new IllegalArgumentException("host " + hostId + ": fingerprint must be 32 lower-case hex digits");
        }
    }

    public Optional<String> fingerprintOf(String hostId) {
        return Optional.ofNullable(fingerprints.get(hostId));
    }
}
