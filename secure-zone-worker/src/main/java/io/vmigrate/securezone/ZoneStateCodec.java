package io.vmigrate.securezone;

import io.vmigrate.securezone.ZoneState.AcceptedRotation;
import io.vmigrate.securezone.ZoneState.Fact;
import io.vmigrate.securezone.ZoneState.KeyInstalled;
import io.vmigrate.securezone.ZoneState.MigrationVm;
import io.vmigrate.securezone.ZoneState.Pins;
import io.vmigrate.securezone.ZoneState.ReplayEntry;
import io.vmigrate.trust.KeyPurpose;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.Suite;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The one encoding of the {@link ZoneState} (a snapshot) and of its changes ({@link ZoneOp}s): the
 * plaintext a journal frame seals ({@link ZoneJournal}), and the body of the old snapshot file
 * ({@link ZoneStateFile}). Decoded only after the frame or file authenticated, and still bounds-checked.
 *
 * <p>Snapshot: {@code bool pinned [key agent, int n, n × key center]}, {@code int n, n × (text vmId,
 * long epoch, text fingerprint, text migrationId, blob sealedKey)} (the sealed key empty: it is in its {@link VmKeyFiles} file), {@code int n, n × (text messageId,
 * long expiresAt, bool hasReply [blob reply])}, for each {@link Fact} in declaration order {@code int n,
 * n × (text migrationId, text vmId, long expiresAt)}, {@code int n, n × (text migrationId, text vmId,
 * text fingerprint, long epoch, long expiresAt)}, {@code int n, n × rotation}, {@code long
 * repliesForgottenBefore} (absent in snapshots of an earlier version). Entries with an expiry
 * come oldest first. The old file's bodies (versions 2 and 3) lack the facts' expiries (and version 2
 * the rotations).
 *
 * <p>Operations: {@code int n, n × (byte opcode, fields)}, the fields of each {@link ZoneOp} in the
 * order of its record components, encoded as in the snapshot.
 */
final class ZoneStateCodec {

    /** How a body written before facts had expiries is read. */
    enum LegacyBody { WITHOUT_ROTATIONS, WITH_ROTATIONS }

    private static final byte PUT_INSTALLED_KEY = 1;
    private static final byte REMOVE_INSTALLED_KEY = 2;
    private static final byte PUT_REPLAY_ENTRY = 3;
    private static final byte ADD_FACT = 4;
    private static final byte REMOVE_FACT = 5;
    private static final byte PUT_KEY_INSTALLED = 6;
    private static final byte REMOVE_KEY_INSTALLED = 7;
    private static final byte PIN = 8;
    private static final byte ADD_ROTATION = 9;
    private static final byte FORGET_EXPIRED = 10;
    private static final byte FORGET_EXPIRED_REPLIES = 11;

    private ZoneStateCodec() {}

    static byte[] snapshot(ZoneState state) {
        var bytes = new ByteArrayOutputStream(4096);
        try (var out = new DataOutputStream(bytes)) {
            writeSnapshot(out, state);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static void writeSnapshot(DataOutputStream out, ZoneState state) throws IOException {
        Optional<Pins> pins = state.pins();
        out.writeBoolean(pins.isPresent());
        if (pins.isPresent()) {
            pins(out, pins.get());
        }
        out.writeInt(state.installedKeys().size());
        for (InstalledVmKey key : state.installedKeys()) {
            installedKey(out, key);
        }
        out.writeInt(state.replayCache().size());
        state.replayCache().forEach((messageId, expiresAt, entry) -> replayEntry(out, entry));
        for (Fact fact : Fact.values()) {
            out.writeInt(state.facts(fact).size());
            state.facts(fact).forEach((pair, expiresAt, present) -> {
                pair(out, pair);
                out.writeLong(expiresAt);
            });
        }
        out.writeInt(state.keyInstallations().size());
        state.keyInstallations().forEach((migrationId, expiresAt, installed) -> {
            text(out, migrationId);
            keyInstalled(out, installed);
            out.writeLong(expiresAt);
        });
        out.writeInt(state.rotations().size());
        for (AcceptedRotation rotation : state.rotations()) {
            rotation(out, rotation);
        }
        out.writeLong(state.repliesForgottenBeforeMillis());
    }

    static ZoneState readSnapshot(DataInputStream in, Suite suite) throws IOException {
        return read(in, suite, Optional.empty(), 0);
    }

    /**
     * A body of the old snapshot file; its facts carry no expiry and are taken to expire at
     * {@code assumedExpiresAtMillis} (the upgrade's time: forgotten one retention after it).
     */
    static ZoneState readLegacy(DataInputStream in, Suite suite, LegacyBody layout, long assumedExpiresAtMillis)
            throws IOException {
        return read(in, suite, Optional.of(layout), assumedExpiresAtMillis);
    }

    private static ZoneState read(DataInputStream in, Suite suite, Optional<LegacyBody> legacy, long assumedExpiresAt)
            throws IOException {
        try {
            ZoneState state = new ZoneState();
            if (in.readBoolean()) {
                state.pin(pins(in, suite));
            }
            for (int i = in.readInt(); i > 0; i--) {
                state.putInstalled(installedKey(in));
            }
            for (int i = in.readInt(); i > 0; i--) {
                state.putReplay(replayEntry(in));
            }
            for (Fact fact : Fact.values()) {
                for (int i = in.readInt(); i > 0; i--) {
                    MigrationVm pair = pair(in);
                    state.addFact(fact, pair, legacy.isPresent() ? assumedExpiresAt : in.readLong());
                }
            }
            for (int i = in.readInt(); i > 0; i--) {
                String migrationId = text(in);
                KeyInstalled installed = keyInstalled(in);
                state.putKeyInstalled(migrationId, installed, legacy.isPresent() ? assumedExpiresAt : in.readLong());
            }
            if (legacy.isEmpty() || legacy.get() == LegacyBody.WITH_ROTATIONS) {
                for (int i = in.readInt(); i > 0; i--) {
                    state.addRotation(rotation(in, suite));
                }
            }
            // Absent from snapshots written before the reply retention was shortened (they forgot nothing
            // within a day of expiry), present since.
            if (legacy.isEmpty() && in.available() >= Long.BYTES) {
                state.raiseRepliesForgottenBefore(in.readLong());
            }
            return state;
        } catch (IllegalArgumentException e) {
            throw new IOException("zone state holds an invalid value: " + e.getMessage(), e);
        }
    }

    static void writeOps(DataOutputStream out, List<ZoneOp> ops) throws IOException {
        out.writeInt(ops.size());
        for (ZoneOp op : ops) {
            if (op instanceof ZoneOp.PutInstalledKey put) {
                out.writeByte(PUT_INSTALLED_KEY);
                installedKey(out, put.key());
            } else if (op instanceof ZoneOp.RemoveInstalledKey remove) {
                out.writeByte(REMOVE_INSTALLED_KEY);
                text(out, remove.vmId());
            } else if (op instanceof ZoneOp.PutReplayEntry put) {
                out.writeByte(PUT_REPLAY_ENTRY);
                replayEntry(out, put.entry());
            } else if (op instanceof ZoneOp.AddFact add) {
                out.writeByte(ADD_FACT);
                out.writeByte(add.fact().code);
                pair(out, add.pair());
                out.writeLong(add.expiresAtMillis());
            } else if (op instanceof ZoneOp.RemoveFact remove) {
                out.writeByte(REMOVE_FACT);
                out.writeByte(remove.fact().code);
                pair(out, remove.pair());
            } else if (op instanceof ZoneOp.PutKeyInstalled put) {
                out.writeByte(PUT_KEY_INSTALLED);
                text(out, put.migrationId());
                keyInstalled(out, put.installed());
                out.writeLong(put.expiresAtMillis());
            } else if (op instanceof ZoneOp.RemoveKeyInstalled remove) {
                out.writeByte(REMOVE_KEY_INSTALLED);
                text(out, remove.migrationId());
            } else if (op instanceof ZoneOp.Pin pin) {
                out.writeByte(PIN);
                pins(out, pin.pins());
            } else if (op instanceof ZoneOp.AddRotation add) {
                out.writeByte(ADD_ROTATION);
                rotation(out, add.rotation());
            } else if (op instanceof ZoneOp.ForgetExpired forget) {
                out.writeByte(FORGET_EXPIRED);
                out.writeLong(forget.beforeMillis());
            } else if (op instanceof ZoneOp.ForgetExpiredReplies forget) {
                out.writeByte(FORGET_EXPIRED_REPLIES);
                out.writeLong(forget.beforeMillis());
            } else {
                throw new IllegalArgumentException("no encoding for " + op.getClass().getSimpleName());
            }
        }
    }

    static List<ZoneOp> readOps(DataInputStream in, Suite suite) throws IOException {
        int count = in.readInt();
        if (count < 0 || count > in.available()) {
            throw new IOException("zone journal: operation count " + count + " out of range");
        }
        List<ZoneOp> ops = new ArrayList<>(count);
        try {
            for (int i = 0; i < count; i++) {
                byte opcode = in.readByte();
                ops.add(switch (opcode) {
                    case PUT_INSTALLED_KEY -> new ZoneOp.PutInstalledKey(installedKey(in));
                    case REMOVE_INSTALLED_KEY -> new ZoneOp.RemoveInstalledKey(text(in));
                    case PUT_REPLAY_ENTRY -> new ZoneOp.PutReplayEntry(replayEntry(in));
                    case ADD_FACT -> new ZoneOp.AddFact(Fact.of(in.readByte()), pair(in), in.readLong());
                    case REMOVE_FACT -> new ZoneOp.RemoveFact(Fact.of(in.readByte()), pair(in));
                    case PUT_KEY_INSTALLED -> new ZoneOp.PutKeyInstalled(text(in), keyInstalled(in), in.readLong());
                    case REMOVE_KEY_INSTALLED -> new ZoneOp.RemoveKeyInstalled(text(in));
                    case PIN -> new ZoneOp.Pin(pins(in, suite));
                    case ADD_ROTATION -> new ZoneOp.AddRotation(rotation(in, suite));
                    case FORGET_EXPIRED -> new ZoneOp.ForgetExpired(in.readLong());
                    case FORGET_EXPIRED_REPLIES -> new ZoneOp.ForgetExpiredReplies(in.readLong());
                    default -> throw new IOException("zone journal: unknown operation " + opcode);
                });
            }
        } catch (IllegalArgumentException e) {
            throw new IOException("zone journal holds an invalid value: " + e.getMessage(), e);
        }
        return ops;
    }

    private static void pins(DataOutputStream out, Pins pins) throws IOException {
        key(out, pins.agentKey());
        out.writeInt(pins.centerKeys().size());
        for (PublicKeyHandle center : pins.centerKeys()) {
            key(out, center);
        }
    }

    private static Pins pins(DataInputStream in, Suite suite) throws IOException {
        PublicKeyHandle agent = key(in, suite);
        int centers = in.readInt();
        if (centers < 0 || centers > in.available()) {
            throw new IOException("zone state: center key count " + centers + " out of range");
        }
        List<PublicKeyHandle> centerKeys = new ArrayList<>(centers);
        for (int i = 0; i < centers; i++) {
            centerKeys.add(key(in, suite));
        }
        return new Pins(agent, List.copyOf(centerKeys));
    }

    private static void installedKey(DataOutputStream out, InstalledVmKey key) throws IOException {
        text(out, key.vmId());
        out.writeLong(key.epoch());
        text(out, key.keyFingerprint());
        text(out, key.migrationId());
        // The sealed bytes live in the key's own file (VmKeyFiles), never in the journal's history; an empty
        // blob says so. A non-empty one is read from state written before that, and moved to its file.
        blob(out, new byte[0]);
    }

    private static InstalledVmKey installedKey(DataInputStream in) throws IOException {
        return new InstalledVmKey(text(in), in.readLong(), text(in), text(in), blob(in));
    }

    private static void replayEntry(DataOutputStream out, ReplayEntry entry) throws IOException {
        text(out, entry.messageId());
        out.writeLong(entry.expiresAtMillis());
        out.writeBoolean(entry.signedReply() != null);
        if (entry.signedReply() != null) {
            blob(out, entry.signedReply());
        }
    }

    private static ReplayEntry replayEntry(DataInputStream in) throws IOException {
        String messageId = text(in);
        long expiresAt = in.readLong();
        byte[] reply = in.readBoolean() ? blob(in) : null;
        return new ReplayEntry(messageId, expiresAt, reply);
    }

    private static void pair(DataOutputStream out, MigrationVm pair) throws IOException {
        text(out, pair.migrationId());
        text(out, pair.vmId());
    }

    private static MigrationVm pair(DataInputStream in) throws IOException {
        return new MigrationVm(text(in), text(in));
    }

    private static void keyInstalled(DataOutputStream out, KeyInstalled installed) throws IOException {
        text(out, installed.vmId());
        text(out, installed.keyFingerprint());
        out.writeLong(installed.epoch());
    }

    private static KeyInstalled keyInstalled(DataInputStream in) throws IOException {
        return new KeyInstalled(text(in), text(in), in.readLong());
    }

    private static void rotation(DataOutputStream out, AcceptedRotation rotation) throws IOException {
        out.writeLong(rotation.sequence());
        text(out, rotation.oldKeyId());
        key(out, rotation.newKey());
        out.writeLong(rotation.validFromMillis());
        out.writeLong(rotation.oldKeyValidUntilMillis());
    }

    private static AcceptedRotation rotation(DataInputStream in, Suite suite) throws IOException {
        return new AcceptedRotation(in.readLong(), text(in), key(in, suite), in.readLong(), in.readLong());
    }

    private static void key(DataOutputStream out, PublicKeyHandle key) throws IOException {
        out.writeUTF(key.purpose().name());
        blob(out, key.encoded());
    }

    private static PublicKeyHandle key(DataInputStream in, Suite suite) throws IOException {
        KeyPurpose purpose = KeyPurpose.valueOf(in.readUTF());
        return PublicKeyHandle.decode(suite, purpose, blob(in));
    }

    static void text(DataOutputStream out, String value) throws IOException {
        blob(out, value.getBytes(StandardCharsets.UTF_8));
    }

    static String text(DataInputStream in) throws IOException {
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

    /** Reads {@code bytes} whole with {@code reader}; trailing bytes are refused. */
    static <T> T readAll(byte[] bytes, Reader<T> reader, String what) throws IOException {
        try (var in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            T value = reader.read(in);
            if (in.available() != 0) {
                throw new IOException(what + " has trailing bytes");
            }
            return value;
        }
    }

    @FunctionalInterface
    interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }
}
