package io.vmigrate.tests.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmigrate.center.CenterApp;
import io.vmigrate.cli.StatusCommand;
import io.vmigrate.embedded.EmbeddedSystem;
import io.vmigrate.cli.operator.MigrationWatcher;
import io.vmigrate.cli.operator.Operator;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import io.vmigrate.schema.request.MigrationRequested;
import io.vmigrate.trust.Suite;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The center's status API, {@code vmigrate status} and the Prometheus endpoints on a real broker:
 * one system (2 hosts), then a second center instance to show that either instance answers for every VM.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StatusApiIT {

    private static final Duration OUTCOME_TIMEOUT = Duration.ofSeconds(90);
    private static final List<String> EVERY_STEP = List.of("REQUESTED", "COMMANDED", "TARGET_CREATED", "KEY_DELIVERED",
            "KEY_INSTALLED", "ATTESTATION_RECEIVED", "ATTESTATION_FORWARDED", "COMPLETION_REPORTED", "COMMITTED",
            "DEREGISTER_SENT", "DONE");
    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {};
    private static final TypeReference<List<Map<String, Object>>> ARRAY = new TypeReference<>() {};

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private EmbeddedSystem system;
    private Operator operator;
    private final java.util.concurrent.atomic.AtomicInteger vmCounter = new java.util.concurrent.atomic.AtomicInteger();

    @BeforeAll
    void startSystem(@TempDir Path dataDir) {
        system = EmbeddedSystem.builder().dataDir(dataDir).hosts(2).vmsPerHost(3).suite(Suite.INTL)
                .defaultDeadline(Duration.ofSeconds(60)).deregisterRetry(Duration.ofSeconds(2)).build().start();
        operator = system.operator();
    }

    /** A new VM of the calling test's own, bound on {@code hostId}: no test depends on another's VMs. */
    private String newVm(String hostId) {
        String vmId = "status-" + vmCounter.incrementAndGet();
        system.addVm(hostId, vmId, Duration.ofSeconds(60));
        return vmId;
    }

    /** Migrates {@code vmId} to {@code destination}, waits for DONE and returns the migration id. */
    private String migrateToDone(String vmId, String destination) {
        MigrationRequested request = operator.newRequest(vmId, destination, Optional.empty(), Optional.empty(), "status-it");
        Optional<MigrationWatcher.Outcome> outcome = operator.sendAndAwait(request, OUTCOME_TIMEOUT, step -> { });
        assertThat(outcome).map(MigrationWatcher.Outcome::finalStep).contains(MigrationStep.DONE);
        return request.getMigrationId();
    }

    @AfterAll
    void stopSystem() {
        if (system != null) {
            system.close();
        }
    }

    @Test
    void aFinishedMigrationShowsEveryStepAndTheVmItsNewBinding() throws Exception {
        String vmId = newVm("h1");
        String doneMigrationId = migrateToDone(vmId, "h2");
        URI center = system.centerStatusUrl();

        Map<String, Object> migration = awaitObject(center, "/migrations/" + doneMigrationId,
                m -> "DONE".equals(m.get("step")));
        assertThat(migration).containsEntry("migrationId", doneMigrationId).containsEntry("vmId", vmId)
                .containsEntry("sourceHostId", "h1").containsEntry("destinationHostId", "h2")
                .containsEntry("outcome", "DONE").containsEntry("epoch", 1).containsEntry("reason", null);
        List<String> steps = stepsOf(migration);
        assertThat(steps).containsAll(EVERY_STEP);
        assertThat(steps.get(0)).isEqualTo("REQUESTED");
        assertThat(steps.get(steps.size() - 1)).isEqualTo("DONE");

        Map<String, Object> vm = json.readValue(get(center, "/vms/" + vmId).body(), OBJECT);
        VmInventoryEntry binding = operator.bindings().get(vmId);
        assertThat(vm).containsEntry("hostId", "h2").containsEntry("epoch", 1)
                .containsEntry("migrationId", doneMigrationId)
                .containsEntry("keyFingerprint", binding.getBinding().getKeyFingerprint())
                .containsEntry("keyFingerprint", migration.get("keyFingerprint"));

        HttpResponse<String> unknown = get(center, "/migrations/no-such-migration");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json.readValue(unknown.body(), OBJECT)).containsKey("error");
        assertThat(get(center, "/vms/no-such-vm").statusCode()).isEqualTo(404);

        String table = status(doneMigrationId, "--url", center.toString());
        assertThat(table).contains("migration " + doneMigrationId, "outcome:     DONE", "KEY_INSTALLED", "DEREGISTER_SENT");
        assertThat(status("--vm", vmId, "--url", center.toString())).contains(vmId, "h2",
                binding.getBinding().getKeyFingerprint());
        // Without --url, the address recorded in the data dir is used.
        assertThat(status("--vm", vmId, "--data-dir", system.dataDir().toString())).contains("h2");
    }

    @Test
    void aStalledMigrationIsListedInFlight() throws Exception {
        String finished = migrateToDone(newVm("h1"), "h2");
        String vmId = newVm("h2");
        system.host("h1").stopAgent();
        MigrationRequested request = operator.newRequest(vmId, "h1", Optional.empty(), Optional.of(Duration.ofSeconds(60)),
                "status-it");
        var positions = MigrationWatcher.positionsNow(system.clientProperties());
        try {
            operator.send(request);
            URI center = system.centerStatusUrl();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                List<Map<String, Object>> inFlight = json.readValue(get(center, "/migrations?inFlight=true").body(), ARRAY);
                assertThat(inFlight).anySatisfy(m -> {
                    assertThat(m).containsEntry("migrationId", request.getMigrationId()).containsEntry("outcome", null);
                    assertThat(m.get("step")).isNotIn("DONE", "ABORTED", "REJECTED");
                });
                assertThat(inFlight).noneSatisfy(m -> assertThat(m).containsEntry("migrationId", finished));
            });
            assertThat(status("--in-flight", "--url", center.toString())).contains(request.getMigrationId(), vmId, "h2", "h1");
            assertThat(status(request.getMigrationId(), "--url", center.toString())).contains("(in flight)");
        } finally {
            system.host("h1").startAgent();
        }
        try (MigrationWatcher watcher = MigrationWatcher.from(system.clientProperties(), system.topics(), positions)) {
            assertThat(watcher.await(request.getMigrationId(), OUTCOME_TIMEOUT, step -> { }))
                    .map(MigrationWatcher.Outcome::finalStep).contains(MigrationStep.DONE);
        }
    }

    @Test
    void centerAndAgentsExposeTheirCountersToPrometheus() throws Exception {
        // One migration each way, so each agent has been source and destination since it last started.
        migrateToDone(newVm("h1"), "h2");
        migrateToDone(newVm("h2"), "h1");
        String center = get(system.centerStatusUrl(), "/metrics").body();
        assertThat(sample(center, "vmigrate_migrations_total", "outcome=\"DONE\"", "kind=\"migration\"")).isGreaterThanOrEqualTo(2);
        assertThat(sample(center, "vmigrate_migrations_total", "outcome=\"DONE\"", "kind=\"registration\"")).isGreaterThanOrEqualTo(1);
        assertThat(sample(center, "vmigrate_migration_step_latency_seconds_count", "step=\"COMMITTED\"", "kind=\"migration\""))
                .isGreaterThanOrEqualTo(2);
        assertThat(center).contains("vmigrate_migration_step_latency_seconds_bucket{");
        assertThat(center).contains("vmigrate_migrations_in_flight");
        assertThat(center).contains("kafka_stream_");

        // h2 was the destination of the first migration, h1 of the second.
        String h2 = get(system.agentMetricsUrl("h2"), "").body();
        assertThat(sample(h2, "vmigrate_agent_commands_total", "type=\"CREATE_TARGET_VM\"", "result=\"CARRIED_OUT\""))
                .isGreaterThanOrEqualTo(1);
        assertThat(sample(h2, "vmigrate_agent_secure_zone_latency_seconds_count", "operation=\"install-vm-key\""))
                .isGreaterThan(0);
        assertThat(sample(h2, "vmigrate_agent_secure_zone_latency_seconds_count", "operation=\"attest-vm\""))
                .isGreaterThan(0);
        assertThat(h2).contains("kafka_consumer_", "kafka_producer_");
        String h1 = get(system.agentMetricsUrl("h1"), "").body();
        assertThat(sample(h1, "vmigrate_agent_commands_total", "type=\"DELIVER_VM_KEY\"", "result=\"CARRIED_OUT\""))
                .isGreaterThanOrEqualTo(1);
        assertThat(sample(h1, "vmigrate_agent_hypervisor_latency_seconds_count", "operation=\"resume\""))
                .isGreaterThan(0);
    }

    @Test
    void eitherOfTwoCenterInstancesAnswersForEveryVm(@TempDir Path secondState) throws Exception {
        String doneMigrationId = migrateToDone(newVm("h1"), "h2");
        CenterApp first = system.center();
        URI firstUrl = system.centerStatusUrl();
        try (CenterApp second = CenterApp.start(system.additionalCenterConfig(secondState))) {
            URI secondUrl = second.statusUri().orElseThrow();
            List<String> vms = operator.bindings().keySet().stream().sorted().toList();
            // Both instances running, and the VMs' partitions spread over both.
            await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
                assertThat(first.state()).isEqualTo(KafkaStreams.State.RUNNING);
                assertThat(second.state()).isEqualTo(KafkaStreams.State.RUNNING);
                Set<URI> owners = new HashSet<>();
                for (String vm : vms) {
                    owners.add(first.ownerOfVm(vm).orElseThrow());
                }
                assertThat(owners).containsExactlyInAnyOrder(firstUrl, secondUrl);
            });
            Map<String, VmInventoryEntry> bindings = operator.bindings();
            for (URI instance : List.of(firstUrl, secondUrl)) {
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    for (String vm : vms) {
                        HttpResponse<String> answer = get(instance, "/vms/" + vm);
                        assertThat(answer.statusCode()).as("%s from %s: %s", vm, instance, answer.body()).isEqualTo(200);
                        assertThat(json.readValue(answer.body(), OBJECT))
                                .containsEntry("hostId", bindings.get(vm).getBinding().getHostId())
                                .containsEntry("keyFingerprint", bindings.get(vm).getBinding().getKeyFingerprint());
                    }
                    List<Map<String, Object>> all = json.readValue(get(instance, "/vms").body(), ARRAY);
                    assertThat(all).extracting(m -> m.get("vmId")).containsExactlyElementsOf(vms.stream().sorted().toList());
                    HttpResponse<String> migration = get(instance, "/migrations/" + doneMigrationId);
                    assertThat(migration.statusCode()).isEqualTo(200);
                    assertThat(get(instance, "/health").statusCode()).isEqualTo(200);
                });
            }
        }
        // Leave the system as every other test expects it, whatever runs next: the first instance alone,
        // running, owning every partition and answering.
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            assertThat(first.state()).isEqualTo(KafkaStreams.State.RUNNING);
            assertThat(get(firstUrl, "/vms/no-such-vm").statusCode()).isEqualTo(404);
            for (String vm : operator.bindings().keySet()) {
                assertThat(get(firstUrl, "/vms/" + vm).statusCode()).as("%s after the second instance left", vm).isEqualTo(200);
            }
        });
    }

    // ---- helpers

    private HttpResponse<String> get(URI base, String path) throws Exception {
        URI uri = path.isEmpty() ? base : base.resolve(path);
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(15)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private Map<String, Object> awaitObject(URI base, String path, java.util.function.Predicate<Map<String, Object>> ready) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> {
            HttpResponse<String> response = get(base, path);
            return response.statusCode() == 200 ? json.readValue(response.body(), OBJECT) : null;
        }, m -> m != null && ready.test(m));
    }

    @SuppressWarnings("unchecked")
    private static List<String> stepsOf(Map<String, Object> migration) {
        return ((List<Map<String, Object>>) migration.get("steps")).stream().map(s -> (String) s.get("step")).toList();
    }

    private static String status(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new StatusCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        assertThat(exit).as("vmigrate status %s: %s", String.join(" ", args), err).isZero();
        return out.toString();
    }

    /** Sum of the samples of {@code metric} whose labels include every one of {@code labels}. */
    private static double sample(String exposition, String metric, String... labels) {
        Pattern line = Pattern.compile("^" + Pattern.quote(metric) + "\\{([^}]*)\\}\\s+(\\S+)", Pattern.MULTILINE);
        Matcher matcher = line.matcher(exposition);
        double sum = 0;
        boolean found = false;
        while (matcher.find()) {
            String labelText = matcher.group(1);
            boolean all = true;
            for (String label : labels) {
                all &= labelText.contains(label);
            }
            if (all) {
                sum += Double.parseDouble(matcher.group(2));
                found = true;
            }
        }
        assertThat(found).as("%s{%s} in the scrape", metric, String.join(",", labels)).isTrue();
        return sum;
    }
}
