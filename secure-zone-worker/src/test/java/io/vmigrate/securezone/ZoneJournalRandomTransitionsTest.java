package io.vmigrate.securezone;

import static io.vmigrate.securezone.JournalStores.encoded;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.securezone.JournalStores.VmKey;
import io.vmigrate.securezone.ZoneState.AcceptedRotation;
import io.vmigrate.securezone.ZoneState.Fact;
import io.vmigrate.securezone.ZoneState.KeyInstalled;
import io.vmigrate.securezone.ZoneState.MigrationVm;
import io.vmigrate.securezone.ZoneState.ReplayEntry;
import io.vmigrate.trust.Suite;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Generated sequences of transitions of every kind, with the clock moving (so entries expire and are
 * forgotten) and a small compaction floor (so the journal is compacted along the way): after every
 * reopen, the replayed state equals the live one.
 */
class ZoneJournalRandomTransitionsTest {

    private static final int TRANSITIONS = 400;
    private static final String[] VMS = {"vm1", "vm2", "vm3", "vm4"};

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void theReplayedStateEqualsTheLiveOne(long seed) throws Exception {
        var random = new Random(seed);
        var stores = new JournalStores(dir, Suite.INTL, 16 << 10);
        ZoneStore store = stores.open();
        long epoch = 0;
        long rotation = 0;
        try {
            for (int i = 0; i < TRANSITIONS; i++) {
                Transition tx = store.begin();
                int changes = 1 + random.nextInt(4);
                for (int c = 0; c < changes; c++) {
                    String vm = VMS[random.nextInt(VMS.length)];
                    String migration = "m" + random.nextInt(20);
                    MigrationVm pair = new MigrationVm(migration, vm);
                    long expiresAt = stores.now() + random.nextInt(600_000);
                    int kind = random.nextInt(30); // keys come and go rarely, as in a zone's life
                    switch (kind < 2 ? kind : 2 + kind % 8) {
                        case 0 -> {
                            VmKey key = stores.vmKey(vm, ++epoch, migration);
                            tx.installKey(key.sealed(), key.unsealed());
                        }
                        case 1 -> {
                            if (tx.installedKey(vm).isPresent()) {
                                tx.destroyKey(vm);
                            }
                        }
                        case 2, 3 -> tx.remember(new ReplayEntry("cmd-" + random.nextInt(200), expiresAt,
                                random.nextBoolean() ? null : new byte[random.nextInt(300)]));
                        case 4 -> tx.addFact(Fact.values()[random.nextInt(3)], pair, expiresAt);
                        case 5 -> tx.removeFact(Fact.values()[random.nextInt(3)], pair);
                        case 6 -> tx.putKeyInstalled(migration, new KeyInstalled(vm, "fp-" + i, epoch), expiresAt);
                        case 7 -> tx.removeKeyInstalled(migration);
                        case 8 -> tx.pin(stores.pins());
                        default -> tx.addRotation(new AcceptedRotation(++rotation, "key-" + rotation,
                                stores.crypto.generateSigningKey().publicKey(), stores.now(), stores.now() + 1));
                    }
                }
                store.commit(tx);
                // Mostly small steps, now and then a jump past the retention.
                stores.clock.advance(random.nextInt(50) == 0 ? JournalStores.RETENTION : Duration.ofSeconds(random.nextInt(120)));
                if (random.nextInt(80) == 0) {
                    byte[] live = encoded(store.current());
                    store.close();
                    store = stores.reopen();
                    assertThat(encoded(store.current())).as("after transition %d", i).isEqualTo(live);
                }
            }
            byte[] live = encoded(store.current());
            store.close();
            store = stores.reopen();
            assertThat(encoded(store.current())).isEqualTo(live);
            assertThat(ZoneJournal.readAny(dir, stores.stateSealing).installedKeys())
                    .hasSameSizeAs(store.current().installedKeys());
        } finally {
            store.close();
        }
    }
}
