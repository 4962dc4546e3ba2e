package io.vmigrate.cli;

import java.util.List;
import picocli.CommandLine;

/**
 * Entry point of the {@code vmigrate} operator command for a real cluster; only wires picocli to the command
 * tree. The embedded single-machine system ({@code up}, {@code demo}) lives in the embedded module, whose
 * main adds its commands to this same tree.
 */
public final class VmigrateMain {

    private VmigrateMain() {}

    public static void main(String[] args) {
        System.exit(commandLine(List.of()).execute(args));
    }

    /**
     * The command tree: {@code leading} subcommands (picocli command objects, listed first) followed by the
     * operator commands {@code migrate}, {@code abort}, {@code hosts}, {@code operator}, {@code vms}, {@code status}, {@code audit}, {@code log}, {@code replay}.
     */
    public static CommandLine commandLine(List<Object> leading) {
        CommandLine commandLine = new CommandLine(new VmigrateCommand());
        leading.forEach(commandLine::addSubcommand);
        List.of(new MigrateCommand(), new AbortCommand(), new HostsCommand(), new CenterCommand(), new OperatorCommand(), new AdminCommand(), new ProvisioningCaCommand(), new VmsCommand(), new AlertsCommand(), new StatusCommand(), new AuditCommand(), new LogCommand(),
                new ReplayCommand()).forEach(commandLine::addSubcommand);
        // Settings apply to the subcommands present at the time of the call: set them last.
        return commandLine
                .setCaseInsensitiveEnumValuesAllowed(true)
                // Operators get one clear line, not a stack trace; details go to the log.
                .setExecutionExceptionHandler((e, failed, parseResult) -> {
                    failed.getErr().println("vmigrate " + failed.getCommandName() + ": " + e.getMessage());
                    org.slf4j.LoggerFactory.getLogger(VmigrateMain.class).debug("command failed", e);
                    return 1;
                });
    }
}
