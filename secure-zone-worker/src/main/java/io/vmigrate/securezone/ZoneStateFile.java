package io.vmigrate.securezone;

import io.vmigrate.common.io.AtomicFiles;
import io.vmigrate.securezone.ZoneState.AcceptedRotation;
import io.vmigrate.securezone.ZoneState.KeyInstalled;
import io.vmigrate.securezone.ZoneState.MigrationVm;
import io.vmigrate.securezone.ZoneState.Pins;
import io.vmigrate.securezone.ZoneState.ReplayEntry;
import io.vmigrate.trust.Aead;
import io.vmigrate.trust.AeadCiphertext;
import io.vmigrate.trust.DecryptionRefusedException;
import io.vmigrate.trust.KeyPurpose;
import io.vmigrate.trust.MalformedBlobException;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.Suite;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * The zone's state as one snapshot file, replaced on every change: written to a temp file in the
 * same directory, fsynced, atomically renamed over the old one, directory fsynced. A kill -9 leaves
 * either the old or the new snapshot, never a mix, and nothing is answered before the rename is
 * durable. A snapshot (rather than an append-only log) also means a destroyed VM key's sealed bytes
 * leave the disk with the next write instead of lingering in log history.
 *
 * <p>Layout (version 2 and 3): magic, version, suite, host id in the clear, then the sections of
 * {@link ZoneState} under authenticated encryption with the zone's state-sealing key (kept in its
 * sealed key store), the clear header and {@link #CONTEXT} as associated data. An edited, truncated
 * or transplanted file (another host's, another suite's) fails to open; what this cannot tell is an
 * older file of this zone put back together with its older key store (docs/THREAT_MODEL.md).
 * Version 3 appends the accepted center key rotations to the sealed body; a version-2 file (none) is
 * read as having none and rewritten as version 3 with the next change.
 * Version 1 (a CRC32 in place of the encryption) is read once, on the start that creates the
 * state-sealing key, and rewritten as version 2; after that it is refused.
 */
final class ZoneStateFile {

    static final String FILE_NAME = "zone-state.bin";
    private static final int MAGIC = 0x565A5331; // "VZS1"
    private static final int CRC_VERSION = 1;
    private static final int SEALED_VERSION_WITHOUT_ROTATIONS = 2;
    /** Version 2 plus the accepted center key rotations at the end of the sealed body. */
    private static final int SEALED_VERSION = 3;
    private static final byte[] CONTEXT = "vmigrate zone state v2".getBytes(StandardCharsets.UTF_8);

    private final Path file;
    private final Suite suite;
    private final String hostId;
    private final Aead sealing;

    ZoneStateFile(Path stateDir, Suite suite, String hostId, Aead sealing) {
        this.file = stateDir.resolve(FILE_NAME).toAbsolutePath();
        this.suite = suite;
        this.hostId = hostId;
        this.sealing = sealing;
    }

    Path file() {
        return file;
    }

    /**
     * The stored state, or empty if none was ever written; refuses another suite's or host's state and
     * anything that fails to open. {@code acceptUnsealed} lets a version-1 file be read (the upgrade).
     */
    Optional<ZoneState> read(boolean acceptUnsealed) throws IOException {
        byte[] contents;
        try {
            contents = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        return Optional.of(decode(contents, suite, hostId, sealing, acceptUnsealed, file));
    }

    /** Reads a state file whatever its suite (for offline inspection, with the zone's state-sealing key). */
    static ZoneState readAny(Path stateDir, Aead sealing) throws IOException {
        Path path = stateDir.resolve(FILE_NAME);
        return decode(Files.readAllBytes(path), null, null, sealing, false, path);
    }

    static Suite suiteOf(Path stateDir) throws IOException {
        byte[] contents = Files.readAllBytes(stateDir.resolve(FILE_NAME));
        try (var in = new DataInputStream(new ByteArrayInputStream(contents))) {
            in.readInt();
            in.readInt();
            return Suite.valueOf(in.readUTF());
        }
    }

    void write(ZoneState state) throws IOException {
        byte[] header = header(suite, hostId);
        byte[] sealed = sealing.encrypt(body(state), associatedData(header)).toBytes();
        byte[] contents = new byte[header.length + sealed.length];
        System.arraycopy(header, 0, contents, 0, header.length);
        System.arraycopy(sealed, 0, contents, header.length, sealed.length);
        AtomicFiles.write(file, contents, AtomicFiles.Permissions.OWNER_ONLY);
    }

    private static byte[] header(Suite suite, String hostId) {
        var bytes = new ByteArrayOutputStream(64);
        try (var out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(SEALED_VERSION);
            out.writeUTF(suite.name());
            text(out, hostId);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static byte[] associatedData(byte[] header) {
        byte[] data = new byte[CONTEXT.length + header.length];
        System.arraycopy(CONTEXT, 0, data, 0, CONTEXT.length);
        System.arraycopy(header, 0, data, CONTEXT.length, header.length);
        return data;
    }

    private static byte[] body(ZoneState state) {
        var bytes = new ByteArrayOutputStream(4096);
        try (var out = new DataOutputStream(bytes)) {
            Optional<Pins> pins = state.pins();
            out.writeBoolean(pins.isPresent());
            if (pins.isPresent()) {
                key(out, pins.get().agentKey());
                out.writeInt(pins.get().centerKeys().size());
                for (PublicKeyHandle center : pins.get().centerKeys()) {
                    key(out, center);
                }
            }
            out.writeInt(state.installedByVm.size());
            for (InstalledVmKey key : state.installedByVm.values()) {
                text(out, key.vmId());
                out.writeLong(key.epoch());
                text(out, key.keyFingerprint());
                text(out, key.migrationId());
                blob(out, key.sealedPrivateKey());
            }
            out.writeInt(state.replayByMessageId.size());
            for (ReplayEntry entry : state.replayByMessageId.values()) {
                text(out, entry.messageId());
                out.writeLong(entry.expiresAtMillis());
                out.writeBoolean(entry.signedReply() != null);
                if (entry.signedReply() != null) {
                    blob(out, entry.signedReply());
                }
            }
            pairs(out, state.verifiedMigrateOut);
            pairs(out, state.verifiedCreateTarget);
            pairs(out, state.attestationChecked);
            out.writeInt(state.keyInstalledByMigration.size());
            for (Map.Entry<String, KeyInstalled> entry : state.keyInstalledByMigration.entrySet()) {
                text(out, entry.getKey());
                text(out, entry.getValue().vmId());
                text(out, entry.getValue().keyFingerprint());
                out.writeLong(entry.getValue().epoch());
            }
            out.writeInt(state.rotations.size());
            for (AcceptedRotation rotation : state.rotations) {
                out.writeLong(rotation.sequence());
                text(out, rotation.oldKeyId());
                key(out, rotation.newKey());
                out.writeLong(rotation.validFromMillis());
                out.writeLong(rotation.oldKeyValidUntilMillis());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static ZoneState decode(byte[] contents, Suite expectedSuite, String expectedHost, Aead sealing,
            boolean acceptUnsealed, Path path) throws IOException {
        if (contents.length < Long.BYTES + 8) {
            throw new IOException("zone state " + path + " is truncated");
        }
        var in = new DataInputStream(new ByteArrayInputStream(contents));
        int version;
        Suite suite;
        String hostId;
        try {
            if (in.readInt() != MAGIC) {
                throw new IOException("zone state " + path + " has an unknown format");
            }
            version = in.readInt();
            suite = Suite.valueOf(in.readUTF());
            hostId = text(in);
        } catch (IllegalArgumentException e) {
            throw new IOException("zone state " + path + " holds an invalid header: " + e.getMessage(), e);
        }
        if (expectedSuite != null && suite != expectedSuite) {
            throw new IOException("zone state " + path + " is of suite " + suite + ", configured " + expectedSuite);
        }
        if (expectedHost != null && !hostId.equals(expectedHost)) {
            throw new IOException("zone state " + path + " belongs to host " + hostId + ", configured " + expectedHost);
        }
        int headerLength = contents.length - in.available();
        byte[] body;
        if (version == SEALED_VERSION || version == SEALED_VERSION_WITHOUT_ROTATIONS) {
            byte[] header = java.util.Arrays.copyOfRange(contents, 0, headerLength);
            try {
                body = sealing.decrypt(AeadCiphertext.parse(java.util.Arrays.copyOfRange(contents, headerLength,
                        contents.length)), associatedData(header));
            } catch (MalformedBlobException | DecryptionRefusedException e) {
                throw new IOException("zone state " + path + " does not open under this zone's state-sealing key: "
                        + "it was altered, or belongs to another key store", e);
            }
        } else if (version == CRC_VERSION && acceptUnsealed) {
            CRC32 crc = new CRC32();
            crc.update(contents, 0, contents.length - Long.BYTES);
            if (crc.getValue() != ByteBuffer.wrap(contents, contents.length - Long.BYTES, Long.BYTES).getLong()) {
                throw new IOException("zone state " + path + " fails its checksum");
            }
            body = java.util.Arrays.copyOfRange(contents, headerLength, contents.length - Long.BYTES);
        } else if (version == CRC_VERSION) {
            throw new IOException("zone state " + path + " is an unsealed version-1 file, but this zone's state is "
                    + "sealed: it was replaced from outside");
        } else {
            throw new IOException("zone state " + path + " has an unknown version " + version);
        }
        return decodeBody(body, suite, path, version == SEALED_VERSION);
    }

    private static ZoneState decodeBody(byte[] body, Suite suite, Path path, boolean withRotations) throws IOException {
        try (var in = new DataInputStream(new ByteArrayInputStream(body))) {
            ZoneState state = new ZoneState();
            if (in.readBoolean()) {
                PublicKeyHandle agent = key(in, suite);
                int centers = in.readInt();
                List<PublicKeyHandle> centerKeys = new ArrayList<>(centers);
                for (int i = 0; i < centers; i++) {
                    centerKeys.add(key(in, suite));
                }
                state.pin(new Pins(agent, List.copyOf(centerKeys)));
            }
            for (int i = in.readInt(); i > 0; i--) {
                var key = new InstalledVmKey(text(in), in.readLong(), text(in), text(in), blob(in));
                state.installedByVm.put(key.vmId(), key);
            }
            for (int i = in.readInt(); i > 0; i--) {
                String messageId = text(in);
                long expiresAt = in.readLong();
                byte[] reply = in.readBoolean() ? blob(in) : null;
                state.replayByMessageId.put(messageId, new ReplayEntry(messageId, expiresAt, reply));
            }
            readPairs(in, state.verifiedMigrateOut);
            readPairs(in, state.verifiedCreateTarget);
            readPairs(in, state.attestationChecked);
            for (int i = in.readInt(); i > 0; i--) {
                state.keyInstalledByMigration.put(text(in), new KeyInstalled(text(in), text(in), in.readLong()));
            }
            if (withRotations) {
                for (int i = in.readInt(); i > 0; i--) {
                    state.rotations.add(new AcceptedRotation(in.readLong(), text(in), key(in, suite), in.readLong(),
                            in.readLong()));
                }
            }
            if (in.available() != 0) {
                throw new IOException("zone state " + path + " has trailing bytes");
            }
            return state;
        } catch (IllegalArgumentException e) {
            throw new IOException("zone state " + path + " holds an invalid value: " + e.getMessage(), e);
        }
    }

    private static void pairs(DataOutputStream out, Set<MigrationVm> pairs) throws IOException {
        out.writeInt(pairs.size());
        for (MigrationVm pair : pairs) {
            text(out, pair.migrationId());
            text(out, pair.vmId());
        }
    }

    private static void readPairs(DataInputStream in, Set<MigrationVm> into) throws IOException {
        for (int i = in.readInt(); i > 0; i--) {
            into.add(new MigrationVm(text(in), text(in)));
        }
    }

    private static void key(DataOutputStream out, PublicKeyHandle key) throws IOException {
        out.writeUTF(key.purpose().name());
        blob(out, key.encoded());
    }

    private static PublicKeyHandle key(DataInputStream in, Suite suite) throws IOException {
        KeyPurpose purpose = KeyPurpose.valueOf(in.readUTF());
        return PublicKeyHandle.decode(suite, purpose, blob(in));
    }

    private static void text(DataOutputStream out, String value) throws IOException {
        blob(out, value.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(DataInputStream in) throws IOException {
        return new String(blob(in), StandardCharsets.UTF_8);
    }

    private static void blob(DataOutputStream out, byte[] value) throws IOException {
        out.writeInt(value.length);
        out.write(value);
    }

    private static byte[] blob(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > in.available()) {
            throw new IOException("zone state: field length " + length + " out of range");
        }
        byte[] value = new byte[length];
        in.readFully(value);
        return value;
    }
}
