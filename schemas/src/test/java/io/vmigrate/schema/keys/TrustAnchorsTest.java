package io.vmigrate.schema.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.Suite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The provisioning-CA and admin-key files: named signing keys of the center's suite, each key id checked. */
class TrustAnchorsTest {

    @TempDir
    Path dir;

    @Test
    void writtenAnchorsReadBackByKeyId() throws Exception {
        PublicKeyHandle ca = CryptoSuites.get(Suite.GM).generateSigningKey().publicKey();
        Path file = dir.resolve("cas");
        TrustAnchors.write(file, "provisioning CAs", List.of(new TrustAnchors.Anchor("factory", ca)));

        TrustAnchors read = TrustAnchors.read(file, Suite.GM);

        assertThat(read.byKeyId(ca.keyId().toString())).hasValueSatisfying(anchor -> {
            assertThat(anchor.name()).isEqualTo("factory");
            assertThat(anchor.key()).isEqualTo(ca);
        });
        assertThat(read.byKeyId("0".repeat(32))).isEmpty();
    }

    @Test
    void aWrongKeyIdAnotherSuiteADuplicateOrAnEncapsulationKeyFailsTheRead() throws Exception {
        PublicKeyHandle key = CryptoSuites.get(Suite.INTL).generateSigningKey().publicKey();
        String line = TrustAnchors.line(new TrustAnchors.Anchor("admin", key));
        String[] fields = line.split(" ");

        assertThatThrownBy(() -> readLines(fields[0] + " " + fields[1] + " " + "0".repeat(32) + " " + fields[3], Suite.INTL))
                .isInstanceOf(IOException.class).hasMessageContaining("states key id");
        assertThatThrownBy(() -> readLines(line, Suite.GM)).isInstanceOf(IOException.class).hasMessageContaining("the center runs GM");
        assertThatThrownBy(() -> readLines(line + "\n" + line.replace("admin ", "again "), Suite.INTL))
                .isInstanceOf(IOException.class).hasMessageContaining("listed twice");
        PublicKeyHandle encapsulation = CryptoSuites.get(Suite.INTL).generateEncapsulationKey().publicKey();
        assertThatThrownBy(() -> TrustAnchors.of(List.of(new TrustAnchors.Anchor("kem", encapsulation))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot sign");
    }

    private TrustAnchors readLines(String text, Suite suite) throws IOException {
        Path file = dir.resolve("anchors-" + System.nanoTime());
        Files.writeString(file, "# test\n" + text + "\n");
        return TrustAnchors.read(file, suite);
    }
}
