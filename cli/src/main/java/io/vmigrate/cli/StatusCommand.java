package io.vmigrate.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmigrate.cli.datadir.StatusUrlFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Asks the center's status API (any instance; it forwards to the owner) and prints a migration with
 * each step's time, a VM's binding, or the migrations in flight, as tables.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show a migration (its steps with timestamps), a VM's binding, or the migrations in flight, "
                + "from the center's status API.")
public final class StatusCommand implements Callable<Integer> {

    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {};
    private static final TypeReference<List<Map<String, Object>>> ARRAY = new TypeReference<>() {};
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    @Spec
    private CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    private What what = new What();

    static final class What {
        @Parameters(paramLabel = "MIGRATION_ID", arity = "0..1", description = "A migration id.")
        String migrationId;

        @Option(names = "--vm", paramLabel = "VM", description = "Show this VM's binding.")
        String vmId;

        @Option(names = "--in-flight", description = "List the migrations in flight (the default).")
        boolean inFlight;

        @Option(names = "--vms", description = "List every VM's binding.")
        boolean allVms;
    }

    @Option(names = "--url", description = "Status API of a center instance (default: recorded by 'vmigrate up' in the data dir).")
    private URI url;

    @Option(names = "--data-dir", defaultValue = "${env:VMIGRATE_DATA_DIR:-.vmigrate}",
            description = "Where 'vmigrate up' recorded the status URL (default: ${DEFAULT-VALUE}).")
    private Path dataDir;

    @Option(names = "--json", description = "Print the API's JSON as it came.")
    private boolean json;

    private final ObjectMapper mapper = new ObjectMapper();

    public StatusCommand() {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        URI base = url != null ? url : StatusUrlFile.read(dataDir).orElse(null);
        if (base == null) {
            err.printf("no center status API known: start one with './vmigrate up' (data dir %s) or pass --url%n",
                    dataDir.toAbsolutePath());
            return 2;
        }
        String path;
        if (what.migrationId != null) {
            path = "/migrations/" + segment(what.migrationId);
        } else if (what.vmId != null) {
            path = "/vms/" + segment(what.vmId);
        } else if (what.allVms) {
            path = "/vms";
        } else {
            path = "/migrations?inFlight=true";
        }
        HttpResponse<String> response;
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
            response = client.send(HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            err.printf("center status API at %s did not answer: %s%n", base, e.getMessage());
            return 1;
        }
        if (response.statusCode() != 200) {
            Object message = response.body().startsWith("{") ? mapper.readValue(response.body(), OBJECT).get("error")
                    : response.body();
            err.printf("%s: %s%n", response.statusCode() == 404 ? "not found" : "error " + response.statusCode(), message);
            return 1;
        }
        if (json) {
            out.println(response.body());
        } else if (what.migrationId != null) {
            printMigration(out, mapper.readValue(response.body(), OBJECT));
        } else if (what.vmId != null) {
            printVms(out, List.of(mapper.readValue(response.body(), OBJECT)));
        } else if (what.allVms) {
            printVms(out, mapper.readValue(response.body(), ARRAY));
        } else {
            printInFlight(out, mapper.readValue(response.body(), ARRAY));
        }
        out.flush();
        return 0;
    }

    private static String segment(String id) {
        return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static void printMigration(PrintWriter out, Map<String, Object> m) {
        out.printf("migration %s: VM %s from %s to %s%n", m.get("migrationId"), m.get("vmId"), m.get("sourceHostId"),
                m.get("destinationHostId"));
        out.printf("  step:        %s%n", m.get("step"));
        out.printf("  outcome:     %s%n", orDash(m.get("outcome"), "(in flight)"));
        if (m.get("reason") != null) {
            out.printf("  reason:      %s%s%n", m.get("reason"), m.get("detail") == null ? "" : ": " + m.get("detail"));
        }
        out.printf("  requested:   %s by %s, deadline %s%n", m.get("requestedAt"), orDash(m.get("requestedBy"), "-"),
                m.get("deadline"));
        out.printf("  epoch:       %s -> %s, key %s%n", m.get("previousEpoch"), m.get("epoch"),
                orDash(m.get("keyFingerprint"), "(none yet)"));
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("STEP", "AT", "+MS"));
        Instant requested = Instant.parse(String.valueOf(m.get("requestedAt")));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> steps = (List<Map<String, Object>>) m.getOrDefault("steps", List.of());
        for (Map<String, Object> step : steps) {
            Instant at = Instant.parse(String.valueOf(step.get("at")));
            rows.add(List.of(String.valueOf(step.get("step")), at.toString(),
                    Long.toString(Duration.between(requested, at).toMillis())));
        }
        printTable(out, rows, "  ");
    }

    static void printVms(PrintWriter out, List<Map<String, Object>> vms) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("VM", "HOST", "EPOCH", "KEY FINGERPRINT", "UPDATED AT", "MIGRATION"));
        for (Map<String, Object> vm : vms) {
            rows.add(List.of(String.valueOf(vm.get("vmId")), String.valueOf(vm.get("hostId")),
                    String.valueOf(vm.get("epoch")), String.valueOf(vm.get("keyFingerprint")),
                    String.valueOf(vm.get("updatedAt")), orDash(vm.get("migrationId"), "-")));
        }
        printTable(out, rows, "");
    }

    static void printInFlight(PrintWriter out, List<Map<String, Object>> migrations) {
        if (migrations.isEmpty()) {
            out.println("no migration in flight");
            return;
        }
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("MIGRATION", "VM", "FROM", "TO", "STEP", "REQUESTED AT", "DEADLINE"));
        for (Map<String, Object> m : migrations) {
            rows.add(List.of(String.valueOf(m.get("migrationId")), String.valueOf(m.get("vmId")),
                    String.valueOf(m.get("sourceHostId")), String.valueOf(m.get("destinationHostId")),
                    String.valueOf(m.get("step")), String.valueOf(m.get("requestedAt")), String.valueOf(m.get("deadline"))));
        }
        printTable(out, rows, "");
    }

    private static String orDash(Object value, String absent) {
        return value == null ? absent : value.toString();
    }

    private static void printTable(PrintWriter out, List<List<String>> rows, String indent) {
        int columns = rows.get(0).size();
        int[] widths = new int[columns];
        for (List<String> row : rows) {
            for (int i = 0; i < columns; i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder(indent);
            for (int i = 0; i < columns; i++) {
                line.append(i == columns - 1 ? row.get(i) : String.format("%-" + (widths[i] + 2) + "s", row.get(i)));
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
