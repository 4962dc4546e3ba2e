package io.vmigrate.center;

import io.vmigrate.schema.serde.AvroTrust;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.schema.keys.CenterPublicKeyFile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmigrate.schema.center.VaultedVmKey;
import io.vmigrate.schema.keys.KeyContexts;
import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.KeyPurpose;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.SecretKeyAccess;
import io.vmigrate.trust.Suite;
import io.vmigrate.trust.WrappedKey;
import io.vmigrate.trust.WrongPasswordException;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CenterVaultTest {

    @BeforeAll
    static void trustOurAvroClasses() {
        // Copying a record (newBuilder(record)) checks Avro's class allow list, as any codec would.
        AvroTrust.install();
    }

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Suite.class)
    void keepsItsKeysAcrossRestartsAndExportsOnlyThePublicKey(Suite suite) throws Exception {
        Path file = dir.resolve("vault/center.bcfks");
        String keyId;
        try (CenterVault vault = CenterVault.openOrCreate(file, "pw".toCharArray(), suite)) {
            keyId = vault.centerPublicKey().keyId().toString();
            vault.writePublicKey(dir.resolve("center.pub"));
        }
        try (CenterVault vault = CenterVault.openOrCreate(file, "pw".toCharArray(), suite)) {
            assertThat(vault.centerPublicKey().keyId().toString()).isEqualTo(keyId);
        }
        assertThat(CenterPublicKeyFile.read(dir.resolve("center.pub")).keyId().toString()).isEqualTo(keyId);
        assertThatThrownBy(() -> CenterVault.openOrCreate(file, "wrong".toCharArray(), suite))
                .isInstanceOf(WrongPasswordException.class);
        Suite other = suite == Suite.GM ? Suite.INTL : Suite.GM;
        assertThatThrownBy(() -> CenterVault.openOrCreate(file, "pw".toCharArray(), other))
                .isInstanceOf(IllegalStateException.class);
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void mintedKeysAreBoundToVmAndEpochAndWrapOnlyForTheirContext(Suite suite) throws Exception {
        var crypto = CryptoSuites.get(suite);
        try (CenterVault vault = CenterVault.openOrCreate(dir.resolve("v.bcfks"), "pw".toCharArray(), suite)) {
            VaultedVmKey key = vault.mintVmKey("vm1", 3, "h2", Instant.EPOCH);
            assertThat(key.getEpoch()).isEqualTo(3);
            PrivateKeyHandle destination = crypto.generateEncapsulationKey();
            var context = KeyContexts.deliverVmKey("m1", "vm1", "h2");
            byte[] wrapped = vault.wrapForHost(key, destination.publicKey(), context);
            var unwrapped = crypto.keyUnwrapper(destination).unwrap(WrappedKey.parse(wrapped), context);
            PrivateKeyHandle vmKey = PrivateKeyHandle.importPkcs8(suite, KeyPurpose.SIGNING, unwrapped,
                    SecretKeyAccess.insecureSecretAccess());
            assertThat(vmKey.publicKey()).isEqualTo(PublicKeyRecords.fromRecord(key.getVmPublicKey()));
            assertThatThrownBy(() -> crypto.keyUnwrapper(destination).unwrap(WrappedKey.parse(wrapped),
                    KeyContexts.deliverVmKey("m1", "vm1", "h3"))).isInstanceOf(Exception.class);

            // The ciphertext is bound to (vmId, epoch): moved to another epoch it does not decrypt.
            VaultedVmKey moved = VaultedVmKey.newBuilder(key).setEpoch(4).build();
            assertThatThrownBy(() -> vault.wrapForHost(moved, destination.publicKey(), context))
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void anotherVaultsKekCannotOpenAVaultedKey() throws Exception {
        try (CenterVault a = CenterVault.openOrCreate(dir.resolve("a.bcfks"), "pw".toCharArray(), Suite.INTL);
                CenterVault b = CenterVault.openOrCreate(dir.resolve("b.bcfks"), "pw".toCharArray(), Suite.INTL)) {
            VaultedVmKey key = a.mintVmKey("vm1", 0, "h1", Instant.EPOCH);
            PublicKeyHandle destination = CryptoSuites.get(Suite.INTL).generateEncapsulationKey().publicKey();
            assertThatThrownBy(() -> b.wrapForHost(key, destination, KeyContexts.deliverVmKey("m1", "vm1", "h1")))
                    .isInstanceOf(IllegalStateException.class);
        }
    }
}
