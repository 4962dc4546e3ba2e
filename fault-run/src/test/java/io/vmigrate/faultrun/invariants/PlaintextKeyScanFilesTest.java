package io.vmigrate.faultrun.invariants;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.SecretKeyAccess;
import io.vmigrate.trust.Suite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlaintextKeyScanFilesTest {

    @Test
    void aKnownKeyOrAnyPrivateKeyStructureInAFileIsFoundButNotInsideASealedStore(@TempDir Path dataDir) throws Exception {
        byte[] known = new byte[32];
        new Random(5).nextBytes(known);
        byte[] noise = new byte[200_000];
        new Random(6).nextBytes(noise);
        byte[] planted = noise.clone();
        System.arraycopy(known, 0, planted, 150_000, known.length);
        Files.createDirectories(dataDir.resolve("hosts/h1/agent"));
        Files.write(dataDir.resolve("hosts/h1/agent/processed-commands.log"), planted);
        Files.write(dataDir.resolve("hosts/h1/agent/agent.bcfks"), planted);
        Files.write(dataDir.resolve("clean.bin"), noise);
        byte[] stranger = CryptoSuites.get(Suite.GM).generateSigningKey().exportPkcs8(SecretKeyAccess.insecureSecretAccess())
                .toByteArray(SecretKeyAccess.insecureSecretAccess());
        Files.write(dataDir.resolve("stranger.der"), stranger);

        List<KeyNeedle> needles = new ArrayList<>(PlaintextKeyScan.PRIVATE_KEY_STRUCTURES);
        needles.add(new KeyNeedle("VM key in zone h2 (private value)", known));
        List<Violation> violations = new ArrayList<>();
        long[] scanned = PlaintextKeyScan.scanFiles(dataDir, new ByteNeedles(needles), violations);

        assertThat(scanned[0]).as("files scanned, the .bcfks store excepted").isEqualTo(3);
        assertThat(violations).hasSize(2);
        assertThat(violations.get(0).detail()).isEqualTo("VM key in zone h2 (private value) in a file");
        assertThat(violations.get(0).evidence()).singleElement().asString().endsWith("processed-commands.log at byte 150000");
        assertThat(violations.get(1).detail()).isEqualTo("an SM2 PKCS#8 private key in a file");
        assertThat(violations.get(1).evidence()).singleElement().asString().contains("stranger.der");
    }
}
