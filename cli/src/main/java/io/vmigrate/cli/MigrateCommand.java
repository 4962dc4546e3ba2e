package io.vmigrate.cli;

import io.vmigrate.cli.operator.MigrationWatcher;
import io.vmigrate.cli.operator.Operator;
import io.vmigrate.schema.request.MigrationRequested;
import io.vmigrate.schema.topic.Topics;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Asks the center to migrate a VM; with {@code --wait}, follows it step by step to its end. */
@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = "Request the migration of a VM to another host (signed with your operator key).",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:request sent (or, with --wait, migration DONE)", "1:error", "2:migration ABORTED",
                "3:migration REJECTED", "4:--wait timed out"})
final class MigrateCommand implements Callable<Integer> {

    static final int ABORTED = 2;
    static final int REJECTED = 3;
    static final int TIMED_OUT = 4;

    @Spec
    private CommandSpec spec;

    @Mixin
    private ClusterOptions cluster;

    @Mixin
    private OperatorKeyOptions key;

    @Option(names = "--vm", required = true, description = "VM id.")
    private String vmId;

    @Option(names = "--to", required = true, description = "Destination host id.")
    private String destination;

    @Option(names = "--from", description = "Source host id (default: the host the VM is bound to now).")
    private String source;

    @Option(names = "--deadline", description = "Deadline from now, e.g. 60s or PT2M (default: the center's).",
            converter = DurationConverter.class)
    private Duration deadline;

    @Option(names = "--wait", description = "Follow the migration until DONE, ABORTED or REJECTED.")
    private boolean wait;

    @Option(names = "--timeout", defaultValue = "5m", converter = DurationConverter.class,
            description = "How long --wait waits (default: ${DEFAULT-VALUE}).")
    private Duration timeout;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Clock clock = Clock.systemUTC();
        Operator operator = new Operator(cluster.clientProperties(), Topics.withDefaultWireFormat(), clock,
                key.open(cluster.dataDir).sealer(clock));
        MigrationRequested request = operator.newRequest(vmId, destination, Optional.ofNullable(source),
                Optional.ofNullable(deadline), System.getProperty("user.name", "operator"));
        String header = String.format("migration %s: %s %s -> %s", request.getMigrationId(), vmId,
                request.getSourceHostId(), destination);
        if (!wait) {
            operator.send(request);
            out.printf("requested %s%n", header);
            out.flush();
            return 0;
        }
        out.printf("%s%n", header);
        out.flush();
        Optional<MigrationWatcher.Outcome> outcome = operator.sendAndAwait(request, timeout, step -> {
            out.printf("  %s%n", Timeline.line(request.getRequestedAt(), step));
            out.flush();
        });
        if (outcome.isEmpty()) {
            out.printf("no outcome within %s%n", timeout);
            return TIMED_OUT;
        }
        switch (outcome.get().finalStep()) {
            case DONE:
                out.printf("DONE: %s now runs on %s%n", vmId, destination);
                return 0;
            case REJECTED:
                out.printf("REJECTED: %s%n", outcome.get().reason());
                return REJECTED;
            default:
                out.printf("ABORTED: %s%n", outcome.get().reason());
                return ABORTED;
        }
    }
}
