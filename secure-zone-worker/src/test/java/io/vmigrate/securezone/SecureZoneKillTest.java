package io.vmigrate.securezone;

import io.vmigrate.schema.testing.TestCenter;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.securezone.SecureZoneOutcome;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import io.vmigrate.securezone.client.SecureZoneClient;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.Suite;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The zone as its own process, killed with SIGKILL right after answering: nothing acknowledged is lost. */
class SecureZoneKillTest {

    @TempDir
    Path dir;

    @Test
    void aKilledZoneLosesNothingItAcknowledged() throws Exception {
        Suite suite = Suite.INTL;
        CryptoSuite crypto = CryptoSuites.get(suite);
        PrivateKeyHandle agentKey = crypto.generateSigningKey();
        TestCenter center = new TestCenter(suite);
        Path socket = dir.resolve("sz.sock");
        Path stateDir = dir.resolve("state");
        Path properties = dir.resolve("zone.properties");
        Files.writeString(properties, String.join("\n",
                SecureZoneConfig.HOST_ID + "=" + ZoneFixture.HOST,
                SecureZoneConfig.SUITE + "=intl",
                SecureZoneConfig.SOCKET + "=" + socket,
                SecureZoneConfig.STATE_DIR + "=" + stateDir));

        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), SecureZoneMain.class.getName(), properties.toString())
                .redirectErrorStream(true);
        builder.environment().put("VMIGRATE_SECURE_ZONE_SEALING_PASSWORD", ZoneFixture.PASSWORD);
        Process child = builder.start();
        byte[] delivery;
        SecureZoneResponse installed;
        PrivateKeyHandle vmKey = crypto.generateSigningKey();
        try {
            awaitListening(child);
            try (var client = SecureZoneClient.connect(socket, ZoneFixture.HOST, crypto.signer(agentKey), crypto)) {
                client.provision(io.vmigrate.schema.keys.PublicKeyRecords.toRecord(agentKey.publicKey()),
                        List.of(center.publicKeyRecord()));
                var encapsulation = client.identity().getIdentity().getEncapsulationKey();
                delivery = TestCenter.encode(center.deliverVmKey("register:vm1", "vm1", ZoneFixture.HOST, 0, vmKey, encapsulation));
                installed = client.installVmKey(delivery);
                assertThat(installed.getOutcome()).isEqualTo(SecureZoneOutcome.OK);
                child.destroyForcibly();
                child.waitFor();
            }
        } finally {
            child.destroyForcibly();
        }
        assertThat(socket).exists();

        var config = new SecureZoneConfig(Map.of(SecureZoneConfig.HOST_ID, ZoneFixture.HOST, SecureZoneConfig.SUITE, "intl",
                SecureZoneConfig.SOCKET, socket.toString(), SecureZoneConfig.STATE_DIR, stateDir.toString(),
                SecureZoneConfig.SEALING_PASSWORD, ZoneFixture.PASSWORD));
        try (var server = new SecureZoneServer(config).start();
                var client = SecureZoneClient.connect(socket, ZoneFixture.HOST, crypto.signer(agentKey), crypto)) {
            assertThat(server.hostId()).isEqualTo(client.challenge().getHostId());
            assertThat(client.challenge().getProvisioned()).isTrue();
            SecureZoneResponse again = client.installVmKey(delivery);
            assertThat(again.getOutcome()).isEqualTo(SecureZoneOutcome.DUPLICATE);
            assertThat(again.getSignedReply()).isEqualTo(installed.getSignedReply());
            assertThat(VtcmStore.listInstalled(stateDir, ZoneFixture.PASSWORD.toCharArray())).singleElement()
                    .satisfies(key -> assertThat(key.keyFingerprint()).isEqualTo(vmKey.keyId().toString()));
        }
    }

    /** Reads the child's log until it says it listens (blocking reads, no sleeping). */
    private static void awaitListening(Process child) throws Exception {
        var reader = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.contains("listening on")) {
                Thread drain = new Thread(() -> reader.lines().forEach(ignored -> { }), "zone-child-log");
                drain.setDaemon(true);
                drain.start();
                return;
            }
        }
        throw new IllegalStateException("secure zone process exited with " + child.waitFor() + " before listening");
    }
}
