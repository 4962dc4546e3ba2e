package io.vmigrate.securezone;

import io.vmigrate.securezone.ZoneStateCodec.LegacyBody;
import io.vmigrate.trust.Aead;
import io.vmigrate.trust.AeadCiphertext;
import io.vmigrate.trust.DecryptionRefusedException;
import io.vmigrate.trust.MalformedBlobException;
import io.vmigrate.trust.Suite;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * The zone's state as the one snapshot file it was kept in before the journal ({@link ZoneJournal}):
 * read once, on the start that finds it and no journal, which then writes the journal and deletes it
 * ({@link ZoneStore#open}). Never written any more.
 *
 * <p>Layout (version 2 and 3): magic, version, suite, host id in the clear, then the sections of
 * {@link ZoneState} ({@link ZoneStateCodec}, without the facts' expiries) under authenticated encryption
 * with the zone's state-sealing key, the clear header and {@link #CONTEXT} as associated data. An
 * edited, truncated or transplanted file (another host's, another suite's) fails to open. Version 3
 * appends the accepted center key rotations to the sealed body. Version 1 (a CRC32 in place of the
 * encryption) is read only on the start that creates the state-sealing key; after that it is refused.
 */
final class ZoneStateFile {

    static final String FILE_NAME = "zone-state.bin";
    private static final int MAGIC = 0x565A5331; // "VZS1"
    private static final int CRC_VERSION = 1;
    /** Version 2 plus the accepted center key rotations at the end of the sealed body. */
    private static final int SEALED_VERSION = 3;
    private static final int SEALED_VERSION_WITHOUT_ROTATIONS = 2;
    private static final byte[] CONTEXT = "vmigrate zone state v2".getBytes(StandardCharsets.UTF_8);

    private ZoneStateFile() {}

    static Path file(Path stateDir) {
        return stateDir.resolve(FILE_NAME).toAbsolutePath();
    }

    /**
     * The old file's state, or empty if there is none; refuses another suite's or host's state and
     * anything that fails to open. {@code acceptUnsealed} lets a version-1 file be read (the start that
     * creates the state-sealing key). Facts, which it stored without expiry, are taken to expire at
     * {@code assumedExpiresAtMillis}.
     */
    static Optional<ZoneState> read(Path stateDir, Suite suite, String hostId, Aead sealing, boolean acceptUnsealed,
            long assumedExpiresAtMillis) throws IOException {
        Path file = file(stateDir);
        byte[] contents;
        try {
            contents = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        return Optional.of(decode(contents, suite, hostId, sealing, acceptUnsealed, assumedExpiresAtMillis, file));
    }

    /** Reads an old state file whatever its suite (for offline inspection, with the zone's state-sealing key). */
    static ZoneState readAny(Path stateDir, Aead sealing) throws IOException {
        Path path = file(stateDir);
        return decode(Files.readAllBytes(path), null, null, sealing, false, Long.MAX_VALUE, path);
    }

    static Suite suiteOf(Path stateDir) throws IOException {
        byte[] contents = Files.readAllBytes(file(stateDir));
        try (var in = new DataInputStream(new ByteArrayInputStream(contents))) {
            in.readInt();
            in.readInt();
            return Suite.valueOf(in.readUTF());
        } catch (IllegalArgumentException e) {
            throw new IOException("zone state " + file(stateDir) + " names an unknown suite", e);
        }
    }

    private static ZoneState decode(byte[] contents, Suite expectedSuite, String expectedHost, Aead sealing,
            boolean acceptUnsealed, long assumedExpiresAtMillis, Path path) throws IOException {
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
            hostId = ZoneStateCodec.text(in);
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
            byte[] header = Arrays.copyOfRange(contents, 0, headerLength);
            try {
                body = sealing.decrypt(AeadCiphertext.parse(Arrays.copyOfRange(contents, headerLength,
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
            body = Arrays.copyOfRange(contents, headerLength, contents.length - Long.BYTES);
        } else if (version == CRC_VERSION) {
            throw new IOException("zone state " + path + " is an unsealed version-1 file, but this zone's state is "
                    + "sealed: it was replaced from outside");
        } else {
            throw new IOException("zone state " + path + " has an unknown version " + version);
        }
        LegacyBody layout = version == SEALED_VERSION ? LegacyBody.WITH_ROTATIONS : LegacyBody.WITHOUT_ROTATIONS;
        return ZoneStateCodec.readAll(body, bodyIn -> ZoneStateCodec.readLegacy(bodyIn, suite, layout, assumedExpiresAtMillis),
                "zone state " + path);
    }

    private static byte[] associatedData(byte[] header) {
        byte[] data = new byte[CONTEXT.length + header.length];
        System.arraycopy(CONTEXT, 0, data, 0, CONTEXT.length);
        System.arraycopy(header, 0, data, CONTEXT.length, header.length);
        return data;
    }
}
