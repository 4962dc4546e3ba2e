package io.vmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.EnvelopeRefusedException;
import io.vmigrate.schema.keys.TrustAnchors;
import io.vmigrate.schema.registry.ProvisioningStatement;
import io.vmigrate.schema.registry.ProvisioningStatementFile;
import io.vmigrate.schema.registry.ProvisioningStatementVerifier;
import io.vmigrate.trust.Suite;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code vmigrate provisioning-ca init} and {@code issue} make what the center and the host agent read. */
class ProvisioningCaCommandTest {

    @TempDir
    Path dir;

    private String run(String... args) {
        CommandLine commandLine = VmigrateMain.commandLine(List.of());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        int code = commandLine.execute(args);
        assertThat(code).as("exit code of %s; stderr: %s", List.of(args), err).isZero();
        return out.toString();
    }

    @Test
    void theIssuedStatementVerifiesUnderThePrintedCaLineForThatHostAndKeyOnly() throws Exception {
        Path password = dir.resolve("ca.password");
        Files.writeString(password, "ca secret\n");
        Path store = dir.resolve("ca.bcfks");
        String printed = run("provisioning-ca", "init", "--ca-key", store.toString(), "--password-file", password.toString(),
                "--suite", "intl", "--name", "factory-ca");
        String line = printed.lines().filter(l -> l.startsWith("factory-ca ")).findFirst().orElseThrow();
        Path anchorsFile = dir.resolve("provisioning-cas");
        Files.writeString(anchorsFile, line + "\n");
        TrustAnchors cas = TrustAnchors.read(anchorsFile, Suite.INTL);

        String fingerprint = "0123456789abcdef0123456789abcdef";
        Path statementFile = dir.resolve("h7.provisioning");
        run("provisioning-ca", "issue", "h7", "--fingerprint", fingerprint, "--valid-for", "30d",
                "--ca-key", store.toString(), "--password-file", password.toString(), "--out", statementFile.toString());
        ProvisioningStatement statement = ProvisioningStatementFile.read(statementFile);

        ProvisioningStatementVerifier verifier = new ProvisioningStatementVerifier(cas, Clock.systemUTC(), Duration.ZERO);
        assertThat(verifier.verify(statement, "h7", fingerprint).name()).isEqualTo("factory-ca");
        assertThat(Duration.between(statement.getIssuedAt(), statement.getExpiresAt())).isEqualTo(Duration.ofDays(30));
        assertThatThrownBy(() -> verifier.verify(statement, "h8", fingerprint)).isInstanceOf(EnvelopeRefusedException.class)
                .satisfies(e -> assertThat(((EnvelopeRefusedException) e).reason()).isEqualTo(RefusalReason.WRONG_HOST));
        assertThatThrownBy(() -> verifier.verify(statement, "h7", "f".repeat(32)))
                .satisfies(e -> assertThat(((EnvelopeRefusedException) e).reason()).isEqualTo(RefusalReason.BINDING_MISMATCH));
        assertThatThrownBy(() -> new ProvisioningStatementVerifier(TrustAnchors.none(), Clock.systemUTC(), Duration.ZERO)
                .verify(statement, "h7", fingerprint))
                .satisfies(e -> assertThat(((EnvelopeRefusedException) e).reason()).isEqualTo(RefusalReason.UNKNOWN_SIGNER));
    }
}
