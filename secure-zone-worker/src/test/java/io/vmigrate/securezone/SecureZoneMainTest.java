package io.vmigrate.securezone;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecureZoneMainTest {

    @TempDir
    Path dir;

    @Test
    void theEnvironmentOverridesTheFile() throws Exception {
        Path file = dir.resolve("zone.properties");
        Files.writeString(file, SecureZoneConfig.HOST_ID + "=h1\n" + SecureZoneConfig.SEALING_PASSWORD + "=from-file\n");
        Map<String, String> settings = SecureZoneMain.settings(file,
                Map.of("VMIGRATE_SECURE_ZONE_SEALING_PASSWORD", "from-env", "UNRELATED", "x"));
        assertThat(settings).containsEntry(SecureZoneConfig.HOST_ID, "h1")
                .containsEntry(SecureZoneConfig.SEALING_PASSWORD, "from-env")
                .doesNotContainKey("UNRELATED");
    }

    @Test
    void configDefaultsSuitOneLocalAgent() {
        var config = new SecureZoneConfig(Map.of(SecureZoneConfig.HOST_ID, "h1", SecureZoneConfig.SOCKET, "/s",
                SecureZoneConfig.STATE_DIR, "/d", SecureZoneConfig.SEALING_PASSWORD, "pw"));
        assertThat(config.replyTimeToLive().toMinutes()).isEqualTo(15);
        assertThat(config.allowedClockSkew().toSeconds()).isEqualTo(30);
        assertThat(config.maxConnections()).isEqualTo(4);
    }

    @Test
    void listsTheInstalledKeysOfAZoneWithoutItsPassword() throws Exception {
        try (var zone = ZoneFixture.provisioned(dir, io.vmigrate.trust.Suite.INTL)) {
            var vmKey = zone.crypto.generateSigningKey();
            zone.client().installVmKey(io.vmigrate.schema.testing.TestCenter.encode(
                    zone.center.deliverVmKey("register:vm1", "vm1", ZoneFixture.HOST, 0, vmKey, zone.encapsulationKey())));
            var out = new java.io.StringWriter();
            SecureZoneMain.listInstalledKeys(zone.stateDir(), ZoneFixture.PASSWORD.toCharArray(), new java.io.PrintWriter(out));
            assertThat(out.toString()).contains("vm1", vmKey.keyId().toString(), "register:vm1");
            assertThat(out.toString().lines()).hasSize(2);
        }
    }
}
