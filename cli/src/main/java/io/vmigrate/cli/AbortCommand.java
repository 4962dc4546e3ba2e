package io.vmigrate.cli;

import io.vmigrate.cli.operator.AbortOutcome;
import io.vmigrate.cli.operator.Operator;
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
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Asks the center to abort a migration that has not committed; after commit the center refuses, with its reason. */
@Command(name = "abort", mixinStandardHelpOptions = true,
        description = "Abort a migration before it commits (signed with your operator key).",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:migration ABORTED", "1:error", "3:abort refused by the center", "4:no outcome in time"})
final class AbortCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Mixin
    private ClusterOptions cluster;

    @Mixin
    private OperatorKeyOptions key;

    @Parameters(paramLabel = "MIGRATION_ID", description = "The migration to abort.")
    private String migrationId;

    @Option(names = "--vm", description = "Its VM id (default: looked up in migration.audit).")
    private String vmId;

    @Option(names = "--timeout", defaultValue = "60s", converter = DurationConverter.class,
            description = "How long to wait for the outcome (default: ${DEFAULT-VALUE}).")
    private Duration timeout;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Clock clock = Clock.systemUTC();
        Operator operator = new Operator(cluster.clientProperties(), Topics.withDefaultWireFormat(), clock,
                key.open(cluster.dataDir).sealer(clock));
        String vm = vmId != null ? vmId : operator.vmOfMigration(migrationId).orElseThrow(() ->
                new IllegalArgumentException("no migration " + migrationId + " in migration.audit"));
        Optional<AbortOutcome> outcome = operator.abortAndAwait(migrationId, vm, timeout);
        if (outcome.isEmpty()) {
            out.printf("no outcome within %s%n", timeout);
            return MigrateCommand.TIMED_OUT;
        }
        out.printf("%s: %s%n", outcome.get().aborted() ? "ABORTED" : "REFUSED", outcome.get().detail());
        return outcome.get().aborted() ? 0 : MigrateCommand.REJECTED;
    }
}
