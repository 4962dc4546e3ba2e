package io.vmigrate.host.enrollment;

import static io.vmigrate.common.testing.SecretScan.indexOf;
import io.vmigrate.schema.keys.CenterPublicKeyFile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.Suite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentKeysAndCenterKeyFileTest {

    @TempDir
    Path dir;

    @Test
    void theAgentKeyIsGeneratedOnceAndSealed() throws Exception {
        CryptoSuite suite = CryptoSuites.get(Suite.INTL);
        var first = AgentKeys.loadOrGenerate(dir, "pw".toCharArray(), suite);
        var second = AgentKeys.loadOrGenerate(dir, "pw".toCharArray(), suite);

        assertThat(second.keyId()).isEqualTo(first.keyId());
        byte[] sealed = Files.readAllBytes(dir.resolve(AgentKeys.KEYSTORE_FILE));
        byte[] der = first.exportPkcs8(io.vmigrate.trust.SecretKeyAccess.insecureSecretAccess()).toByteArray(
                io.vmigrate.trust.SecretKeyAccess.insecureSecretAccess());
        assertThat(indexOf(sealed, java.util.Arrays.copyOfRange(der, der.length - 32, der.length))).isNegative();
        assertThatThrownBy(() -> AgentKeys.loadOrGenerate(dir, "pw".toCharArray(), CryptoSuites.get(Suite.GM)))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void readsTheCenterVaultsPublicKeyFileAndChecksIt() throws Exception {
        PublicKeyHandle key = CryptoSuites.get(Suite.GM).generateSigningKey().publicKey();
        Path file = dir.resolve("center-public-key");
        Files.writeString(file, "# center public key of vmigrate; pin it in every secure zone\n"
                + "format=vmigrate-center-public-key-v1\nsuite=gm\nkeyId=" + key.keyId() + "\n"
                + "spki=" + Base64.getEncoder().encodeToString(key.encoded()) + "\n");

        assertThat(CenterPublicKeyFile.read(file, Suite.GM)).isEqualTo(key);
        assertThatThrownBy(() -> CenterPublicKeyFile.read(file, Suite.INTL)).isInstanceOf(IOException.class);

        Files.writeString(file, "format=vmigrate-center-public-key-v1\nsuite=gm\nkeyId=00000000000000000000000000000000\n"
                + "spki=" + Base64.getEncoder().encodeToString(key.encoded()) + "\n");
        assertThatThrownBy(() -> CenterPublicKeyFile.read(file, Suite.GM)).isInstanceOf(IOException.class);

        Path der = dir.resolve("center.der");
        Files.write(der, key.encoded());
        assertThat(CenterPublicKeyFile.read(der, Suite.GM)).isEqualTo(key);
    }
}
