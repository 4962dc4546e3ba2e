package io.vmigrate.tests.faultrun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vmigrate.cli.operator.Operator;
import io.vmigrate.embedded.EmbeddedSystem;
import io.vmigrate.faultrun.InjectedDuplicate;
import io.vmigrate.faultrun.RequestedMigration;
import io.vmigrate.faultrun.RunLayout;
import io.vmigrate.faultrun.invariants.KeyNeedle;
import io.vmigrate.faultrun.invariants.RunKeys;
import io.vmigrate.faultrun.invariants.Invariant;
import io.vmigrate.faultrun.invariants.InvariantChecks;
import io.vmigrate.faultrun.invariants.InvariantReport;
import io.vmigrate.faultrun.invariants.Violation;
import io.vmigrate.forensics.ClusterLogSource;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.forensics.ExportedRecord;
import io.vmigrate.schema.request.MigrationRequested;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.trust.Suite;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault run's invariant checks against a real system: after DONE, REJECTED and ABORTED migrations every
 * invariant holds and each summary counts what it saw; then the state is broken on purpose, one way per test,
 * and the invariant that covers it names the records. Each test undoes what it broke, or (for a record it
 * produced) declares it as an injected duplicate to every later check, so the tests pass in any order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InvariantChecksIT {

    static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(45);
    static final Duration GRACE = Duration.ofSeconds(30);
    static final Duration OUTCOME_TIMEOUT = Duration.ofSeconds(90);
    static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(90);
    static final Topics TOPICS = Topics.withDefaultWireFormat();

    EmbeddedSystem system;
    Operator operator;
    RunLayout layout;
    final List<RequestedMigration> requested = new ArrayList<>();
    /** Records the tests produced on purpose; every check is told of them. */
    final List<InjectedDuplicate> injected = new CopyOnWriteArrayList<>();

    @BeforeAll
    void runMigrations(@TempDir Path dataDir) {
        system = EmbeddedSystem.builder().dataDir(dataDir).hosts(3).vmsPerHost(2).suite(Suite.GM)
                .defaultDeadline(DEFAULT_DEADLINE).deregisterRetry(Duration.ofSeconds(2)).build().start();
        operator = system.operator();
        layout = new RunLayout(dataDir, Suite.GM, system.hostIds());
        List<String> hosts = system.hostIds();
        Map<String, String> where = new TreeMap<>();
        system.awaitBindings(system.sampleVmIds(), Duration.ofSeconds(60))
                .forEach((vm, entry) -> where.put(vm, entry.getBinding().getHostId()));
        List<String> vms = new ArrayList<>(where.keySet());
        for (String vm : vms.subList(0, 3)) {
            String to = next(hosts, where.get(vm));
            assertThat(migrate(vm, to, Optional.empty())).isEqualTo(MigrationStep.DONE);
            where.put(vm, to);
        }
        String stays = vms.get(3);
        assertThat(migrate(stays, where.get(stays), Optional.empty())).as("a migration to the host it is on")
                .isEqualTo(MigrationStep.REJECTED);
        String victim = vms.get(4);
        String destination = next(hosts, where.get(victim));
        system.host(destination).stopAgent();
        try {
            assertThat(migrate(victim, destination, Optional.of(Duration.ofSeconds(4)))).isEqualTo(MigrationStep.ABORTED);
        } finally {
            system.host(destination).startAgent();
        }
        // The restarted destination catches up on the aborted migration's commands (and the source's
        // deregistrations may be retried): the state is quiet once every invariant holds.
        await().atMost(SETTLE_TIMEOUT).pollInterval(Duration.ofSeconds(2))
                .untilAsserted(() -> assertThat(check(requested).violations()).isEmpty());
    }

    @AfterAll
    void stop() {
        if (system != null) {
            system.close();
        }
    }

    @Test
    void aQuietRunHoldsEveryInvariantAndCountsWhatItSaw() throws Exception {
        InvariantReport report = check(requested);

        assertThat(report.holds()).isTrue();
        assertThat(report.firstBroken()).isEmpty();
        assertThat(report.summaries().keySet()).containsExactly(Invariant.VM_ON_EXACTLY_ONE_HOST,
                Invariant.EVERY_MIGRATION_ENDED, Invariant.ABORT_KEPT_BINDING, Invariant.EPOCHS_GREW,
                Invariant.KEY_ONLY_ON_BINDING_HOST, Invariant.NO_PLAINTEXT_PRIVATE_KEY, Invariant.REPLAY_CLEAN);
        assertThat(report.summaries().get(Invariant.NO_PLAINTEXT_PRIVATE_KEY))
                .contains("VM key=6", "zone key=6", "agent key=3", "center key=").endsWith(": 0 found");
        assertThat(report.summaries().get(Invariant.VM_ON_EXACTLY_ONE_HOST)).isEqualTo("6 VMs on 3 hosts, 6 bindings");
        assertThat(report.summaries().get(Invariant.EVERY_MIGRATION_ENDED))
                .startsWith("5 requested: 3 DONE, 1 ABORTED, 1 REJECTED").endsWith("0 not ended by deadline + PT30S");
        assertThat(report.summaries().get(Invariant.ABORT_KEPT_BINDING))
                .isEqualTo("1 aborted migrations checked, 0 changed a binding");
        // Six registrations at epoch 0, three migrations to epoch 1; the abort and the rejection wrote none.
        assertThat(report.summaries().get(Invariant.EPOCHS_GREW))
                .isEqualTo("9 bindings of 6 VMs, highest epoch 1; 0 did not grow");
        assertThat(report.summaries().get(Invariant.KEY_ONLY_ON_BINDING_HOST))
                .isEqualTo("6 VM keys in 3 secure zones for 6 bindings");
        assertThat(report.summaries().get(Invariant.REPLAY_CLEAN))
                .contains("5 migrations, 6 registrations", "6 bindings compared with the center's (status-url)")
                .endsWith("0 other anomalies");
        StringWriter printed = new StringWriter();
        report.printTo(new PrintWriter(printed));
        assertThat(printed.toString()).startsWith("invariants: all 7 hold").doesNotContain("!!");
    }

    @Test
    void aVmKeyWrittenToAnUnsealedFileBreaksNoPlaintextPrivateKey() throws Exception {
        KeyNeedle vmKey = RunKeys.read(layout).needles().stream()
                .filter(needle -> needle.label().startsWith("VM key in zone") && needle.label().endsWith("(private value)"))
                .findFirst().orElseThrow();
        Path planted = layout.agentStateDir(system.hostIds().get(0)).resolve("planted.bin");
        byte[] content = new byte[4096];
        System.arraycopy(vmKey.bytes(), 0, content, 1000, vmKey.bytes().length);
        Files.write(planted, content);
        try {
            Violation first = check(requested).firstBroken().orElseThrow();

            assertThat(first.invariant()).isEqualTo(Invariant.NO_PLAINTEXT_PRIVATE_KEY);
            assertThat(first.detail()).isEqualTo(vmKey.label() + " in a file");
            assertThat(first.evidence()).singleElement().isEqualTo(planted + " at byte 1000");
        } finally {
            Files.delete(planted);
        }
        assertThat(check(requested).holds()).as("holds again once the file is gone").isTrue();
    }

    @Test
    void aVmCopiedOntoASecondHostBreaksVmOnExactlyOneHost() throws Exception {
        var bindings = new TreeMap<>(operator.bindings());
        String vm = bindings.firstKey();
        String boundTo = bindings.get(vm).getBinding().getHostId();
        String other = next(system.hostIds(), boundTo);
        Path original = layout.hypervisorRoot().resolve(boundTo).resolve("vms").resolve(vm);
        Path copy = layout.hypervisorRoot().resolve(other).resolve("vms").resolve(vm);
        copyTree(original, copy);
        try {
            InvariantReport report = check(requested);

            Violation first = report.firstBroken().orElseThrow();
            assertThat(first.invariant()).isEqualTo(Invariant.VM_ON_EXACTLY_ONE_HOST);
            assertThat(first.detail()).isEqualTo("VM " + vm + " exists on 2 hosts " + sorted(boundTo, other)
                    + "; its binding names " + boundTo);
            assertThat(first.evidence()).contains("hypervisor/" + boundTo + "/vms/" + vm, "hypervisor/" + other + "/vms/" + vm)
                    .anySatisfy(e -> assertThat(e).startsWith("binding at " + Topics.VM_INVENTORY + "/"));
            assertThat(report.result(Invariant.VM_ON_EXACTLY_ONE_HOST).orElseThrow().violations()).hasSize(1);
            assertThat(report.violations()).allMatch(v -> v.invariant() == Invariant.VM_ON_EXACTLY_ONE_HOST);
        } finally {
            deleteTree(copy);
        }
        assertThat(check(requested).holds()).as("holds again once the copy is gone").isTrue();
    }

    @Test
    void aMigrationThatNeverHappenedOrCommittedAfterItsDeadlineBreaksEveryMigrationEnded() throws Exception {
        String vm = system.sampleVmIds().get(0);
        Instant past = Instant.now().minus(Duration.ofMinutes(5));
        RequestedMigration ghost = new RequestedMigration(UUID.randomUUID().toString(), vm, "h1", "h2", past,
                past.plus(DEFAULT_DEADLINE));
        RequestedMigration done = requested.get(0);
        // The same DONE migration, held to a deadline an hour before it was requested: it committed too late.
        RequestedMigration heldEarlier = new RequestedMigration(done.migrationId(), done.vmId(), done.source(),
                done.destination(), done.requestedAt(), done.requestedAt().minus(Duration.ofHours(1)));
        List<RequestedMigration> asked = new ArrayList<>(requested.subList(1, requested.size()));
        asked.add(ghost);
        asked.add(heldEarlier);

        InvariantReport report = check(asked);

        List<Violation> violations = report.result(Invariant.EVERY_MIGRATION_ENDED).orElseThrow().violations();
        assertThat(violations).hasSize(2);
        assertThat(violations.get(0).detail()).isEqualTo("migration " + ghost.migrationId() + " of VM " + vm
                + " (h1 -> h2, deadline " + ghost.deadline() + ") has not ended: no record of it on migration.audit or "
                + "migration.rejections");
        // Its DONE followed its commit within the grace: the late commit is the one violation (PROTOCOL rule 3).
        assertThat(violations.get(1).detail()).startsWith("migration " + done.migrationId() + " of VM " + done.vmId()
                + " committed at ").endsWith(", after its deadline " + heldEarlier.deadline());
        assertThat(violations.get(1).evidence()).singleElement().asString()
                .startsWith("COMMITTED at " + Topics.MIGRATION_AUDIT + "/");
        assertThat(report.firstBroken()).contains(violations.get(0));
        assertThat(report.violations()).allMatch(v -> v.invariant() == Invariant.EVERY_MIGRATION_ENDED);
    }

    @Test
    void anExactCopyOfACommandBreaksReplayCleanUnlessItIsDeclaredAnInjectedDuplicate() throws Exception {
        ExportedRecord command = firstCommand(MessageType.DEREGISTER_VM);
        InjectedDuplicate copy;
        try (var producer = new KafkaProducer<>(system.clientProperties(), new ByteArraySerializer(), new ByteArraySerializer())) {
            // An exact copy, its timestamp included: the replay opens each envelope at its record's time.
            var record = new ProducerRecord<>(command.getTopic(), command.getPartition(),
                    command.getTimestamp().toEpochMilli(),
                    command.getKey() == null ? null : ByteBuffers.toArray(command.getKey()), ByteBuffers.toArray(command.getValue()));
            command.getHeaders().forEach(h -> record.headers().add(new RecordHeader(h.getKey(),
                    h.getValue() == null ? null : ByteBuffers.toArray(h.getValue()))));
            RecordMetadata sent = producer.send(record).get();
            copy = new InjectedDuplicate(sent.topic(), sent.partition(), sent.offset(), command.getTopic(),
                    command.getPartition(), command.getOffset());
        }
        List<InjectedDuplicate> before = List.copyOf(injected);
        injected.add(copy);
        String at = copy.topic() + "/" + copy.partition() + "@" + copy.offset();

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            InvariantReport undeclared = check(requested, before);
            assertThat(undeclared.firstBroken()).hasValueSatisfying(v -> {
                assertThat(v.invariant()).isEqualTo(Invariant.REPLAY_CLEAN);
                assertThat(v.detail()).startsWith("REPLAYED_COMMAND at " + at);
                assertThat(v.evidence()).containsExactly(at);
            });
            assertThat(undeclared.violations()).hasSize(1);
        });

        await().atMost(SETTLE_TIMEOUT).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
            InvariantReport declared = check(requested);
            assertThat(declared.violations()).isEmpty();
            assertThat(declared.result(Invariant.REPLAY_CLEAN).orElseThrow().notes())
                    .contains("injected duplicate: REPLAYED_COMMAND at " + at + " (copy of " + command.getTopic() + "/"
                            + command.getPartition() + "@" + command.getOffset() + ")");
        });
    }

    private InvariantReport check(List<RequestedMigration> asked) throws IOException {
        return check(asked, injected);
    }

    private InvariantReport check(List<RequestedMigration> asked, List<InjectedDuplicate> duplicates) throws IOException {
        return InvariantChecks.check(layout, system.clientProperties(), asked, duplicates, List.of(), GRACE);
    }

    private MigrationStep migrate(String vm, String to, Optional<Duration> deadline) {
        MigrationRequested request = operator.newRequest(vm, to, Optional.empty(), deadline, "invariant-checks-it");
        requested.add(new RequestedMigration(request.getMigrationId(), vm, request.getSourceHostId(), to,
                request.getRequestedAt(), request.getDeadline() != null ? request.getDeadline()
                        : request.getRequestedAt().plus(DEFAULT_DEADLINE)));
        var outcome = operator.sendAndAwait(request, OUTCOME_TIMEOUT, step -> { });
        assertThat(outcome).as("migration of %s to %s ended", vm, to).isPresent();
        return outcome.get().finalStep();
    }

    private ExportedRecord firstCommand(MessageType type) {
        List<ExportedRecord> found = new ArrayList<>();
        try (var source = ClusterLogSource.open(system.clientProperties(), null, null)) {
            source.read(topic -> Topics.hostIdOfCommandTopic(topic).isPresent(), record -> {
                if (found.isEmpty() && record.getValue() != null) {
                    SignedEnvelope envelope = TOPICS.hostEvents().valueSerde().deserializer()
                            .deserialize(record.getTopic(), ByteBuffers.toArray(record.getValue()));
                    if (envelope.getMessageType() == type) {
                        found.add(ExportedRecord.newBuilder(record).build());
                    }
                }
            });
        }
        assertThat(found).as("a %s command on a host command topic", type).isNotEmpty();
        return found.get(0);
    }

    private static String next(List<String> hosts, String host) {
        return hosts.get((hosts.indexOf(host) + 1) % hosts.size());
    }

    private static List<String> sorted(String a, String b) {
        return Stream.of(a, b).sorted().toList();
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(from.relativize(file).toString()));
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }
}
