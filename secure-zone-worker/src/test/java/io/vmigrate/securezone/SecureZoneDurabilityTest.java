package io.vmigrate.securezone;

import io.vmigrate.schema.testing.TestCenter;
import static io.vmigrate.common.testing.SecretScan.indexOf;
import static io.vmigrate.securezone.SecureZoneCommandsTest.installRegistrationKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmigrate.schema.securezone.SecureZoneIdentity;
import io.vmigrate.schema.securezone.SecureZoneOutcome;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.SealedKeyStore;
import io.vmigrate.trust.SecretKeyAccess;
import io.vmigrate.trust.Suite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SecureZoneDurabilityTest {

    private static final String HOST = ZoneFixture.HOST;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Suite.class)
    void aRestartedZoneKeepsItsKeysPinsVtcmStoreReplayCacheAndFacts(Suite suite) throws Exception {
        try (var zone = ZoneFixture.provisioned(dir, suite)) {
            SecureZoneIdentity before = zone.identity();
            PrivateKeyHandle vmKey = zone.crypto.generateSigningKey();
            byte[] delivery = TestCenter.encode(zone.center.deliverVmKey("register:vm1", "vm1", HOST, 0, vmKey, zone.encapsulationKey()));
            SecureZoneResponse installed = zone.client().installVmKey(delivery);
            byte[] migrateOut = TestCenter.encode(zone.center.migrateOut("m1", "vm1", HOST, 0));
            assertThat(zone.client().openCommand(migrateOut).getOutcome()).isEqualTo(SecureZoneOutcome.OK);

            zone.restart();

            try (var agent = zone.newClient(zone.agentKey)) {
                assertThat(agent.challenge().getProvisioned()).isTrue();
                SecureZoneIdentity after = agent.identity().getIdentity();
                assertThat(after.getSigningKey()).isEqualTo(before.getSigningKey());
                assertThat(after.getEncapsulationKey()).isEqualTo(before.getEncapsulationKey());
                assertThat(after.getAgentKeyId()).isEqualTo(before.getAgentKeyId());
                assertThat(after.getCenterKeyIds()).isEqualTo(before.getCenterKeyIds());

                SecureZoneResponse again = agent.installVmKey(delivery);
                assertThat(again.getOutcome()).isEqualTo(SecureZoneOutcome.DUPLICATE);
                assertThat(again.getSignedReply()).isEqualTo(installed.getSignedReply());
                assertThat(agent.openCommand(migrateOut).getOutcome()).isEqualTo(SecureZoneOutcome.DUPLICATE);
                assertThat(agent.attestVm("m1", "vm1", new byte[] {1}, new byte[] {2}).getOutcome()).isEqualTo(SecureZoneOutcome.OK);
            }
            try (var impostor = zone.newClient(zone.crypto.generateSigningKey())) {
                assertThat(impostor.identity().getOutcome()).isEqualTo(SecureZoneOutcome.REFUSED);
            }
            assertThat(VtcmStore.listInstalled(zone.stateDir(), ZoneFixture.PASSWORD.toCharArray())).singleElement()
                    .satisfies(key -> assertThat(key.keyFingerprint()).isEqualTo(vmKey.keyId().toString()));
        }
    }

    @Test
    void theSocketIsOwnerOnlyAndRemovedOnClose() throws Exception {
        var zone = ZoneFixture.started(dir, Suite.INTL);
        try {
            assertThat(Files.getPosixFilePermissions(zone.socket())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            assertThat(Files.getPosixFilePermissions(zone.stateDir())).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        } finally {
            zone.close();
        }
        assertThat(zone.socket()).doesNotExist();
    }

    @Test
    void aStaleSocketFileIsReplacedButALiveOneIsNot() throws Exception {
        Files.writeString(dir.resolve("sz.sock"), "left over by a crashed zone");
        try (var zone = ZoneFixture.started(dir, Suite.INTL)) {
            assertThat(zone.client().identity().getOutcome()).isEqualTo(SecureZoneOutcome.OK);
            Path otherState = dir.resolve("other");
            var second = new SecureZoneServer(new SecureZoneConfig(Map.of(SecureZoneConfig.HOST_ID, HOST,
                    SecureZoneConfig.SUITE, "intl", SecureZoneConfig.SOCKET, zone.socket().toString(),
                    SecureZoneConfig.STATE_DIR, otherState.toString(), SecureZoneConfig.SEALING_PASSWORD, "pw")));
            assertThatThrownBy(second::start).isInstanceOf(IOException.class).hasMessageContaining("served by another process");
            assertThat(zone.client().identity().getOutcome()).isEqualTo(SecureZoneOutcome.OK);
        }
    }

    @Test
    void aWrongSealingPasswordOrAnotherSuiteDoesNotStart() throws Exception {
        ZoneFixture.started(dir, Suite.GM).close();
        var config = Map.of(SecureZoneConfig.HOST_ID, HOST, SecureZoneConfig.SUITE, "gm",
                SecureZoneConfig.SOCKET, dir.resolve("sz.sock").toString(),
                SecureZoneConfig.STATE_DIR, dir.resolve("state").toString(), SecureZoneConfig.SEALING_PASSWORD, "wrong");
        assertThatThrownBy(() -> new SecureZoneServer(new SecureZoneConfig(config)).start()).isInstanceOf(IOException.class);
        var intl = new java.util.HashMap<>(config);
        intl.put(SecureZoneConfig.SEALING_PASSWORD, ZoneFixture.PASSWORD);
        intl.put(SecureZoneConfig.SUITE, "intl");
        assertThatThrownBy(() -> new SecureZoneServer(new SecureZoneConfig(intl)).start()).isInstanceOf(IOException.class);
        assertThat(dir.resolve("sz.sock")).doesNotExist();
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void noFileOfTheStateDirHoldsAPrivateKeyInPlaintext(Suite suite) throws Exception {
        try (var zone = ZoneFixture.provisioned(dir, suite)) {
            List<byte[]> secrets = new ArrayList<>();
            PrivateKeyHandle retired = installRegistrationKey(zone, "vm1");
            PrivateKeyHandle kept = installRegistrationKey(zone, "vm2");
            PrivateKeyHandle replacement = zone.crypto.generateSigningKey();
            zone.client().installVmKey(TestCenter.encode(zone.center.deliverVmKey("m1", "vm3", HOST, 1, replacement, zone.encapsulationKey())));
            zone.client().deregister(TestCenter.encode(zone.center.deregister("m2", "vm1", HOST, 1, retired.keyId().toString())));
            for (PrivateKeyHandle key : List.of(retired, kept, replacement)) {
                secrets.add(pkcs8(key));
            }
            List<PrivateKeyHandle> unsealed = UnsealedVmKeys.open(zone.stateDir(), ZoneFixture.PASSWORD.toCharArray());
            assertThat(unsealed).hasSize(2);
            try (var store = SealedKeyStore.openOrCreate(zone.stateDir().resolve("keys.bcfks"), ZoneFixture.PASSWORD.toCharArray())) {
                secrets.add(pkcs8(store.get("zone-signing").orElseThrow()));
                secrets.add(pkcs8(store.get("zone-encapsulation").orElseThrow()));
                secrets.add(store.getSecret("vtcm-sealing").orElseThrow().toByteArray(SecretKeyAccess.insecureSecretAccess()));
            }
            List<Path> files;
            try (Stream<Path> walk = Files.walk(dir)) {
                files = walk.filter(Files::isRegularFile).toList();
            }
            assertThat(files).isNotEmpty();
            for (Path file : files) {
                byte[] contents = Files.readAllBytes(file);
                for (byte[] secret : secrets) {
                    assertThat(indexOf(contents, secret)).as("secret of %d bytes in %s", secret.length, file).isEqualTo(-1);
                }
            }
        }
    }

    private static byte[] pkcs8(PrivateKeyHandle key) {
        return key.exportPkcs8(SecretKeyAccess.insecureSecretAccess()).toByteArray(SecretKeyAccess.insecureSecretAccess());
    }
}
