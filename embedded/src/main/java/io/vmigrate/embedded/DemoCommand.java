package io.vmigrate.embedded;

import io.vmigrate.cli.Timeline;
import io.vmigrate.cli.operator.MigrationWatcher;
import io.vmigrate.cli.operator.Operator;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import io.vmigrate.schema.request.MigrationRequested;
import io.vmigrate.trust.Suite;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Starts the whole system with 3 hosts, runs a few migrations (one VM there and back again, and one
 * request that must be rejected), prints each timeline and the final bindings, shuts down.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start 3 hosts, migrate a few VMs (one back and forth), print each timeline, shut down.")
final class DemoCommand implements Callable<Integer> {

    /** One scripted request and the outcome it must have. */
    private record Scenario(String vmId, String to, MigrationStep expected, String why) {}

    private static final List<Scenario> SCENARIOS = List.of(
            new Scenario("vm-1", "h2", MigrationStep.DONE, "vm-1 moves from h1 to h2"),
            new Scenario("vm-3", "h3", MigrationStep.DONE, "vm-3 moves from h2 to h3"),
            new Scenario("vm-1", "h1", MigrationStep.DONE, "vm-1 comes back to h1"),
            new Scenario("vm-5", "h1", MigrationStep.DONE, "vm-5 moves from h3 to h1"),
            new Scenario("vm-2", "h1", MigrationStep.REJECTED, "vm-2 already runs on h1: the center refuses"));

    @Spec
    private CommandSpec spec;

    @Option(names = "--suite", defaultValue = "gm", converter = SuiteConverter.class,
            description = "Crypto suite: gm or intl (default: ${DEFAULT-VALUE}).")
    private Suite suite;

    @Option(names = "--data-dir", description = "Keep the demo's data here (default: a temporary directory, removed afterwards).")
    private Path dataDir;

    @Option(names = "--bootstrap", description = "Run against this external Kafka cluster instead of an embedded broker.")
    private String bootstrap;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        boolean temporary = dataDir == null;
        Path dir = temporary ? Files.createTempDirectory("vmigrate-demo") : dataDir;
        int failures = 0;
        out.printf("vmigrate demo: 3 hosts, 2 VMs each, suite %s, data in %s%n", suite.name().toLowerCase(java.util.Locale.ROOT), dir);
        out.flush();
        try (EmbeddedSystem system = EmbeddedSystem.builder().dataDir(dir).hosts(3).vmsPerHost(2).suite(suite)
                .externalBootstrap(bootstrap).build()) {
            system.start();
            UpCommand.printWhereItListens(out, system);
            Operator operator = system.operator();
            printBindings(out, operator.bindings());
            for (Scenario scenario : SCENARIOS) {
                failures += run(out, operator, scenario) ? 0 : 1;
            }
            printBindings(out, operator.bindings());
        } finally {
            if (temporary) {
                deleteRecursively(dir);
            }
        }
        out.printf(failures == 0 ? "demo finished: every migration ended as expected%n"
                : "demo finished: %d migration(s) did not end as expected%n", failures);
        out.flush();
        return failures == 0 ? 0 : 1;
    }

    private static boolean run(PrintWriter out, Operator operator, Scenario scenario) {
        MigrationRequested request = operator.newRequest(scenario.vmId(), scenario.to(), Optional.empty(),
                Optional.empty(), "demo");
        out.printf("%n== %s (migration %s: %s %s -> %s)%n", scenario.why(), request.getMigrationId(),
                scenario.vmId(), request.getSourceHostId(), scenario.to());
        out.flush();
        Optional<MigrationWatcher.Outcome> outcome = operator.sendAndAwait(request, Duration.ofMinutes(2), step -> {
            out.printf("  %s%n", Timeline.line(request.getRequestedAt(), step));
            out.flush();
        });
        MigrationStep ended = outcome.map(MigrationWatcher.Outcome::finalStep).orElse(null);
        boolean asExpected = ended == scenario.expected();
        out.printf("  -> %s%s%n", ended == null ? "no outcome in time" : ended,
                asExpected ? " (as expected)" : " (expected " + scenario.expected() + ")");
        return asExpected;
    }

    private static void printBindings(PrintWriter out, Map<String, VmInventoryEntry> bindings) {
        out.printf("%nbindings:%n");
        bindings.values().forEach(entry -> out.printf("  %-8s on %-4s epoch %d key %s%n",
                entry.getBinding().getVmId(), entry.getBinding().getHostId(), entry.getBinding().getEpoch(),
                entry.getBinding().getKeyFingerprint()));
        out.flush();
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
