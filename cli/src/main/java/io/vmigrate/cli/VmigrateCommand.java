package io.vmigrate.cli;

import picocli.CommandLine.Command;

/** The root of the command tree; {@link VmigrateMain#commandLine} adds the subcommands. */
@Command(
        name = "vmigrate",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Moves virtual machines between hosts without exposing their vTCM keys, orchestrated on Apache Kafka.")
final class VmigrateCommand {
}
