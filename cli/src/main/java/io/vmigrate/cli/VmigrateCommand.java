package io.vmigrate.cli;

import picocli.CommandLine.Command;

/** The command tree. */
@Command(
        name = "vmigrate",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Moves virtual machines between hosts without exposing their vTCM keys, orchestrated on Apache Kafka.",
        subcommands = {UpCommand.class, DemoCommand.class, MigrateCommand.class, VmsCommand.class, StatusCommand.class,
                AuditCommand.class, LogCommand.class, ReplayCommand.class})
final class VmigrateCommand {
}
