package io.vmigrate.embedded;

import io.vmigrate.cli.VmigrateMain;
import java.util.List;

/**
 * Entry point of {@code ./vmigrate}: the operator command tree of {@link VmigrateMain} plus the embedded
 * single-machine system's {@code up} and {@code demo}.
 */
public final class VmigrateWithEmbeddedMain {

    private VmigrateWithEmbeddedMain() {}

    public static void main(String[] args) {
        System.exit(VmigrateMain.commandLine(List.of(new UpCommand(), new DemoCommand())).execute(args));
    }
}
