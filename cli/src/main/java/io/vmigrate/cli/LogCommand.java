package io.vmigrate.cli;

import io.vmigrate.forensics.ClusterLogSource;
import io.vmigrate.forensics.LogExporter;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Event-log commands: {@code log export}. */
@Command(name = "log", mixinStandardHelpOptions = true, description = "Work with the protocol event log.",
        subcommands = LogCommand.Export.class)
public final class LogCommand {

    /** Copies the protocol topics into one self-describing Avro object container file. */
    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Copy the protocol topics (requests, rejections, every host command topic, host events, audit, "
                    + "trust registry, inventory, alerts, enrollments, registrations) into one Avro object container file.")
    public static final class Export implements Callable<Integer> {

        @Spec
        private CommandSpec spec;

        @Mixin
        private ClusterOptions cluster;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "The file to write (replaced atomically).")
        private Path out;

        @Option(names = "--from", paramLabel = "TIME", description = "Only records stamped at or after TIME (ISO-8601, e.g. 2025-01-31T10:00:00Z).")
        private Instant from;

        @Option(names = "--to", paramLabel = "TIME", description = "Only records stamped at or before TIME (ISO-8601).")
        private Instant to;

        @Override
        public Integer call() throws Exception {
            Map<String, Object> client = cluster.readOnlyClientProperties();
            String version = VmigrateMain.class.getPackage().getImplementationVersion();
            Map<String, Long> counts;
            try (ClusterLogSource source = ClusterLogSource.open(client, from, to)) {
                counts = LogExporter.export(source, out, Instant.now(), String.valueOf(client.get("bootstrap.servers")),
                        version == null ? "development" : version);
            }
            PrintWriter printer = spec.commandLine().getOut();
            long total = 0;
            for (var count : counts.entrySet()) {
                printer.printf("  %-28s %8d%n", count.getKey(), count.getValue());
                total += count.getValue();
            }
            printer.printf("exported %d records from %d topics to %s%n", total, counts.size(), out);
            printer.flush();
            return 0;
        }
    }
}
