package io.vmigrate.cli;

import picocli.CommandLine;

/** Entry point of the {@code vmigrate} operator command; only wires picocli to the command tree. */
public final class VmigrateMain {

    private VmigrateMain() {}

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new VmigrateCommand()).setCaseInsensitiveEnumValuesAllowed(true);
    }
}
