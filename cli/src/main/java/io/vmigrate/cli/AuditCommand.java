package io.vmigrate.cli;

import io.vmigrate.forensics.AuditTail;
import io.vmigrate.forensics.CenterKeyOption;
import io.vmigrate.forensics.TrustedKeys;
import io.vmigrate.schema.topic.Topics;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Audit commands: {@code audit tail}. */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Read the signed, hash-chained audit log.",
        subcommands = AuditCommand.Tail.class)
public final class AuditCommand {

    /** Prints migration.audit one transition per line, verifying signatures and chains as it goes. */
    @Command(name = "tail", mixinStandardHelpOptions = true,
            description = "Print migration.audit, one line per transition, verifying each record's center signature and "
                    + "its migration's hash chain; a break is printed at once as a line starting with '!!'. "
                    + "Without --follow, exits 1 when a break was seen.")
    public static final class Tail implements Callable<Integer> {

        @Spec
        private CommandSpec spec;

        @Mixin
        private ClusterOptions cluster;

        @Option(names = "--follow", description = "Keep reading new records until interrupted.")
        private boolean follow;

        static final class Filter {
            @Option(names = "--migration", paramLabel = "ID", description = "Only this migration.")
            String migrationId;

            @Option(names = "--vm", paramLabel = "VM", description = "Only migrations of this VM.")
            String vmId;
        }

        @ArgGroup(exclusive = true)
        private Filter filter;

        static final class Start {
            @Option(names = "--from-beginning", description = "Start at the beginning of the topic (default).")
            boolean fromBeginning;

            @Option(names = "--from-now", description = "Show only records written from now on (chains are anchored at the first record seen).")
            boolean fromNow;
        }

        @ArgGroup(exclusive = true)
        private Start start;

        @Option(names = "--json", description = "One JSON object per record, with its verification result.")
        private boolean json;

        @Option(names = "--center-key", paramLabel = "FILE",
                description = "Pin the center public key; default: <data-dir>/center/center-public-key.properties "
                        + "if present, else trust.registry's self-signed center entry.")
        private Path centerKey;

        @Override
        public Integer call() throws Exception {
            Map<String, Object> client = cluster.readOnlyClientProperties();
            var pinned = CenterKeyOption.resolve(centerKey, cluster.dataDir);
            TrustedKeys keys = TrustedKeys.loadFromCluster(client, pinned, Topics.withDefaultWireFormat());
            PrintWriter out = spec.commandLine().getOut();
            if (!keys.hasCenterKey()) {
                out.println("!! no center key: none pinned and none in trust.registry; signatures cannot be verified");
            }
            boolean fromNow = start != null && start.fromNow;
            var options = new AuditTail.Options(!fromNow, follow, filter == null ? null : filter.migrationId,
                    filter == null ? null : filter.vmId, json);
            AtomicBoolean stop = new AtomicBoolean();
            Thread hook = new Thread(() -> stop.set(true), "audit-tail-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            // Reloaded when a record names a center key not seen yet: a rotation while following.
            AuditTail tail = new AuditTail(client, keys,
                    () -> TrustedKeys.loadFromCluster(client, pinned, Topics.withDefaultWireFormat()), options);
            long breaks = tail.run(out, stop::get);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The JVM is already stopping (Ctrl-C while following).
            }
            if (!json) {
                out.printf("%d record(s), %d break(s)%n", tail.shown(), breaks);
            }
            out.flush();
            return breaks == 0 && keys.hasCenterKey() ? 0 : 1;
        }
    }
}
