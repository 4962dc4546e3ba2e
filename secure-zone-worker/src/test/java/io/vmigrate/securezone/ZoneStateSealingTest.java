package io.vmigrate.securezone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmigrate.schema.securezone.SecureZoneOutcome;
import io.vmigrate.schema.testing.TestCenter;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.Suite;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The zone's state file is sealed: it reveals nothing in the clear beyond its header, and a deleted,
 * altered or transplanted state next to existing keys stops the zone instead of letting it start empty
 * (which would forget destroyed keys, its pins and its replay cache).
 */
class ZoneStateSealingTest {

    @TempDir
    Path dir;

    private static Path stateFile(ZoneFixture zone) {
        return zone.stateDir().resolve(ZoneJournal.FILE_NAME);
    }

    /** A provisioned zone holding one VM key, stopped. */
    private static ZoneFixture zoneWithAKey(Path dir, Suite suite) throws Exception {
        ZoneFixture zone = ZoneFixture.provisioned(dir, suite);
        PrivateKeyHandle vmKey = zone.crypto.generateSigningKey();
        byte[] delivery = TestCenter.encode(zone.center.deliverVmKey("register:vm-secret-name", "vm-secret-name",
                ZoneFixture.HOST, 0, vmKey, zone.encapsulationKey()));
        assertThat(zone.client().installVmKey(delivery).getOutcome()).isEqualTo(SecureZoneOutcome.OK);
        return zone;
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void theStateRevealsNoVmIdsOrPinnedKeysInTheClear(Suite suite) throws Exception {
        try (var zone = zoneWithAKey(dir, suite)) {
            byte[] contents = Files.readAllBytes(stateFile(zone));
            assertThat(new String(contents, StandardCharsets.ISO_8859_1)).doesNotContain("vm-secret-name");
            assertThat(io.vmigrate.common.testing.SecretScan.indexOf(contents,
                    zone.agentKey.publicKey().encoded())).isEqualTo(-1);
        }
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void aDeletedStateNextToExistingKeysStopsTheZone(Suite suite) throws Exception {
        ZoneFixture zone = zoneWithAKey(dir, suite);
        zone.close();
        Files.delete(stateFile(zone));
        assertThatThrownBy(() -> ZoneFixture.started(dir, suite)).isInstanceOf(ZoneStateMissingException.class)
                .hasMessageContaining("refusing to start empty");
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void anAlteredStateStopsTheZone(Suite suite) throws Exception {
        ZoneFixture zone = zoneWithAKey(dir, suite);
        zone.close();
        byte[] contents = Files.readAllBytes(stateFile(zone));
        for (int at : new int[] {contents.length / 2, contents.length - 1}) {
            byte[] altered = contents.clone();
            altered[at] ^= 0x01;
            Files.write(stateFile(zone), altered);
            assertThatThrownBy(() -> ZoneFixture.started(dir, suite)).isInstanceOf(IOException.class)
                    .hasMessageContaining("zone journal");
        }
        Files.write(stateFile(zone), contents);
        ZoneFixture.started(dir, suite).close();
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void anotherZonesStateDoesNotOpenHere(Suite suite) throws Exception {
        Path other = Files.createDirectories(dir.resolve("other"));
        Path mine = Files.createDirectories(dir.resolve("mine"));
        ZoneFixture theirs = zoneWithAKey(other, suite);
        theirs.close();
        ZoneFixture.started(mine, suite).close();
        Files.copy(stateFile(theirs), mine.resolve("state").resolve(ZoneJournal.FILE_NAME),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> ZoneFixture.started(mine, suite)).isInstanceOf(IOException.class)
                .hasMessageContaining("does not open");
    }
}
