package io.vmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code vmigrate center rotate-key} is in the tree and signs with the operator key options every request command uses. */
class CenterCommandTest {

    @Test
    void rotateKeyTakesTheOperatorKeyOptionsAndWait() {
        StringWriter help = new StringWriter();
        CommandLine commandLine = VmigrateMain.commandLine(List.of());
        commandLine.setOut(new PrintWriter(help));
        commandLine.setErr(new PrintWriter(new StringWriter()));
        assertThat(commandLine.execute("center", "rotate-key", "--help")).isZero();
        assertThat(help.toString()).contains("--wait", "--timeout", "--operator-key", "--password-file", "--center-key",
                "ADMIN role");
        StringWriter err = new StringWriter();
        CommandLine unknown = VmigrateMain.commandLine(List.of());
        unknown.setOut(new PrintWriter(new StringWriter()));
        unknown.setErr(new PrintWriter(err));
        assertThat(unknown.execute("center", "rotate-key", "--no-such-option")).isNotZero();
    }
}
