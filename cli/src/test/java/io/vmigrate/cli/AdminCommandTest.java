package io.vmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.keys.TrustAnchors;
import io.vmigrate.trust.Suite;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code vmigrate admin init} prints the admin-key file's line; {@code operator grant} and {@code revoke} are in the tree. */
class AdminCommandTest {

    @TempDir
    Path dir;

    private int run(StringWriter out, String... args) {
        CommandLine commandLine = VmigrateMain.commandLine(List.of());
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(new StringWriter()));
        return commandLine.execute(args);
    }

    @Test
    void adminInitPrintsALineTheCenterReadsAndGrantAndRevokeAreCommands() throws Exception {
        Path password = dir.resolve("admin.password");
        Files.writeString(password, "admin secret\n");
        StringWriter printed = new StringWriter();
        assertThat(run(printed, "admin", "init", "--data-dir", dir.toString(), "--admin-password-file", password.toString(),
                "--suite", "gm", "--name", "root")).isZero();
        assertThat(dir.resolve("admin").resolve("admin.bcfks")).exists();
        String line = printed.toString().lines().filter(l -> l.startsWith("root ")).findFirst().orElseThrow();
        Path adminKeys = dir.resolve("admin-keys");
        Files.writeString(adminKeys, line + "\n");
        assertThat(TrustAnchors.read(adminKeys, Suite.GM).anchors()).extracting(TrustAnchors.Anchor::name).containsExactly("root");

        StringWriter help = new StringWriter();
        assertThat(run(help, "operator", "grant", "--help")).isZero();
        assertThat(help.toString()).contains("--role", "--key", "--valid-for", "--admin-key");
        assertThat(run(new StringWriter(), "operator", "revoke", "--help")).isZero();
    }
}
