package io.vmigrate.cli;

import picocli.CommandLine;

/** Entry point of the {@code vmigrate} operator command; only wires picocli to the command tree. */
public final class VmigrateMain {

    private VmigrateMain() {}

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new VmigrateCommand())
                .setCaseInsensitiveEnumValuesAllowed(true)
                // Operators get one clear line, not a stack trace; details go to the log.
                .setExecutionExceptionHandler((e, commandLine, parseResult) -> {
                    commandLine.getErr().println("vmigrate " + commandLine.getCommandName() + ": " + e.getMessage());
                    org.slf4j.LoggerFactory.getLogger(VmigrateMain.class).debug("command failed", e);
                    return 1;
                });
    }
}
