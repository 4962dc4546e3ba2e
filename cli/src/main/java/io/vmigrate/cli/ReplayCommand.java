package io.vmigrate.cli;

import io.vmigrate.forensics.CenterBindings;
import io.vmigrate.forensics.CenterKeyOption;
import io.vmigrate.forensics.ClusterLogSource;
import io.vmigrate.forensics.ExportFileSource;
import io.vmigrate.forensics.ReplayEngine;
import io.vmigrate.forensics.ReplayResult;
import io.vmigrate.cli.datadir.StatusUrlFile;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Rebuilds every migration and the binding table from the records alone and re-checks every rule. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Replay the protocol topics (from the cluster or an export file), re-verify every signature, "
                + "audit chain and protocol rule, and compare the rebuilt bindings with the center's. "
                + "Exit code 0 when nothing is wrong, 1 when anomalies are found.")
public final class ReplayCommand implements Callable<Integer> {

    static final int ANOMALIES_FOUND = 1;

    @Spec
    private CommandSpec spec;

    @Mixin
    private ClusterOptions cluster;

    static final class Input {
        @Option(names = "--from-cluster", required = true, description = "Read the topics of the cluster, to their current end.")
        boolean fromCluster;

        @Option(names = "--file", required = true, description = "Read a file written by 'vmigrate log export'.")
        Path file;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    private Input input;

    @Option(names = "--json", paramLabel = "REPORT", description = "Also write the report as JSON to this file.")
    private Path jsonReport;

    @Option(names = "--center-key", paramLabel = "FILE",
            description = "Pin the center public key (file written by the center, format vmigrate-center-public-key-v1). "
                    + "Default: <data-dir>/center/center-public-key.properties if present, else trust.registry's self-signed entry.")
    private Path centerKey;

    @Option(names = "--status-url", paramLabel = "URL",
            description = "Compare the rebuilt bindings with the live center's GET <URL>/vms instead of vm.inventory.")
    private URI statusUrl;

    @Option(names = "--clock-skew", defaultValue = "30s", converter = DurationConverter.class,
            description = "Clock skew allowed between hosts and center (default: ${DEFAULT-VALUE}).")
    private Duration clockSkew;

    /**
     * The center to compare bindings with: {@code --status-url}, else, for the embedded cluster of
     * {@code --data-dir}, the status API that {@code vmigrate up} recorded there if it answers.
     */
    private Optional<URI> liveCenter() {
        if (statusUrl != null) {
            return Optional.of(statusUrl);
        }
        if (cluster.bootstrap != null || cluster.configFile != null) {
            return Optional.empty();
        }
        return StatusUrlFile.read(cluster.dataDir).filter(CenterBindings::answers);
    }

    @Override
    public Integer call() throws Exception {
        var pinned = CenterKeyOption.resolve(centerKey, cluster.dataDir);
        ReplayResult result;
        if (input.file != null) {
            result = ReplayEngine.replay(new ExportFileSource(input.file), pinned, Optional.ofNullable(statusUrl), clockSkew);
        } else {
            try (ClusterLogSource source = ClusterLogSource.open(cluster.readOnlyClientProperties(), null, null)) {
                result = ReplayEngine.replay(source, pinned, liveCenter(), clockSkew);
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        result.printSummary(out);
        if (jsonReport != null) {
            Files.writeString(jsonReport, result.toJson(), StandardCharsets.UTF_8);
            out.println("report written to " + jsonReport);
            out.flush();
        }
        return result.clean() ? 0 : ANOMALIES_FOUND;
    }
}
