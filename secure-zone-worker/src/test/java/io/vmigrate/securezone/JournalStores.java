package io.vmigrate.securezone;

import io.vmigrate.common.testing.ManualClock;
import io.vmigrate.securezone.ZoneState.Pins;
import io.vmigrate.trust.Aead;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.Suite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A {@link ZoneStore} on a real state directory, with real sealing keys held in memory (no key store),
 * a movable clock and a configurable compaction floor: the store as the zone uses it, without a socket.
 */
final class JournalStores {

    static final String HOST = "host-a";
    static final Duration SKEW = Duration.ofSeconds(30);
    /** What the store keeps an expired fact for: the skew plus the one-day margin. */
    static final Duration RETENTION = SKEW.plus(ZoneStore.RETENTION_MARGIN);
    /** What the store keeps an expired command's reply for: the skew plus minutes. */
    static final Duration REPLY_RETENTION = SKEW.plus(ZoneStore.REPLY_RETENTION_MARGIN);
    static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    final Path stateDir;
    final Suite suite;
    final CryptoSuite crypto;
    final Aead vtcmSealing;
    final Aead stateSealing;
    final ManualClock clock = new ManualClock(START);
    final long compactionFloorBytes;
    private boolean created;

    JournalStores(Path stateDir, Suite suite, long compactionFloorBytes) throws IOException {
        this.stateDir = Files.createDirectories(stateDir);
        this.suite = suite;
        this.crypto = CryptoSuites.get(suite);
        this.vtcmSealing = crypto.aead(crypto.generateAeadKey());
        this.stateSealing = crypto.aead(crypto.generateAeadKey());
        this.compactionFloorBytes = compactionFloorBytes;
    }

    /** Opens the store: the first call as a first start (creating the journal), later ones as restarts. */
    ZoneStore open() throws IOException {
        return open(HOST);
    }

    ZoneStore open(String hostId) throws IOException {
        ZoneStore store = ZoneStore.open(hostId, suite, stateDir, vtcmSealing, stateSealing, !created, clock, SKEW,
                compactionFloorBytes);
        created = true;
        return store;
    }

    /** As the start that just created the zone's keys (a new journal replaces any). */
    ZoneStore firstStart() throws IOException {
        created = false;
        return open();
    }

    /** As a restart: never a first start. */
    ZoneStore reopen() throws IOException {
        created = true;
        return open();
    }

    Path journal() {
        return ZoneJournal.file(stateDir);
    }

    /** A state's encoding: two states are equal when they encode alike. */
    static byte[] encoded(ZoneState state) {
        return ZoneStateCodec.snapshot(state);
    }

    Pins pins() {
        return new Pins(crypto.generateSigningKey().publicKey(), List.of(crypto.generateSigningKey().publicKey()));
    }

    /** A fresh VM key and its vTCM entry. */
    record VmKey(InstalledVmKey sealed, PrivateKeyHandle unsealed) {}

    VmKey vmKey(String vmId, long epoch, String migrationId) {
        PrivateKeyHandle key = crypto.generateSigningKey();
        byte[] sealed = VtcmStore.seal(vtcmSealing, key, vmId, epoch);
        return new VmKey(new InstalledVmKey(vmId, epoch, key.keyId().toString(), migrationId, sealed), key);
    }

    long now() {
        return clock.millis();
    }
}
