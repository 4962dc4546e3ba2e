package io.vmigrate.tests.forensics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vmigrate.center.CenterApp;
import io.vmigrate.cli.VmigrateMain;
import io.vmigrate.cli.operator.HostListing;
import io.vmigrate.cli.operator.MigrationWatcher;
import io.vmigrate.embedded.EmbeddedSystem;
import io.vmigrate.forensics.ClusterLogSource;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.forensics.ExportedRecord;
import io.vmigrate.schema.request.MigrationRequested;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.Suite;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The center key rotation as an admin asks for it: {@code vmigrate center rotate-key --wait}, signed with the
 * ADMIN key, is verified by the center and performed once; both running center instances end up signing with
 * the new key; and a host approved after the rotation, whose zone pinned only the first key, is told the
 * rotation before anything else and then takes part in migrations commanded under the new key.
 */
class CenterKeyRotationRequestIT {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final Pattern NEW_KEY = Pattern.compile("center signs with key (\\S+)");

    @TempDir
    Path dataDir;

    @TempDir
    Path secondCenterState;

    @Test
    void anAdminsRequestRotatesEveryInstanceAndAHostApprovedAfterwardsMigratesUnderTheNewKey() throws Exception {
        try (EmbeddedSystem system = EmbeddedSystem.builder().dataDir(dataDir).hosts(3).heldBackHosts(Set.of("h3"))
                .vmsPerHost(1).suite(Suite.INTL).defaultDeadline(Duration.ofSeconds(45))
                .deregisterRetry(Duration.ofSeconds(2)).build().start();
                CenterApp second = CenterApp.start(system.additionalCenterConfig(secondCenterState))) {
            await().atMost(WAIT).until(() -> second.state() == KafkaStreams.State.RUNNING);
            String firstKey = system.center().centerPublicKey().keyId().toString();
            String vm = system.sampleVmIds().get(0);
            String home = system.awaitBindings(List.of(vm), WAIT).get(vm).getBinding().getHostId();

            Path adminKey = dataDir.resolve("operators").resolve("admin.bcfks");
            CliRun rotate = cli("center", "rotate-key", "--wait", "--data-dir", dataDir.toString(),
                    "--operator-key", adminKey.toString(), "--password-file", adminKey + ".password");
            assertThat(rotate.exit()).as("%s%s", rotate.out(), rotate.err()).isZero();
            Matcher printed = NEW_KEY.matcher(rotate.out());
            assertThat(printed.find()).as(rotate.out()).isTrue();
            String newKey = printed.group(1);
            assertThat(newKey).isNotEqualTo(firstKey);
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(system.center().signingPublicKey().keyId().toString()).isEqualTo(newKey);
                assertThat(second.signingPublicKey().keyId().toString()).as("the other instance").isEqualTo(newKey);
            });

            system.startHeldBackHost("h3");
            var pinned = CryptoSuites.get(Suite.INTL).verifier(system.center().centerPublicKey());
            assertThat(system.operator().awaitHostState("h3", HostListing.State.APPROVED, pinned, WAIT)).isTrue();
            String toLateHost = migrate(system, vm, "h3");
            String back = migrate(system, vm, home);

            java.util.Map<Integer, List<SignedEnvelope>> byPartition = commandsTo(system, "h3");
            assertThat(byPartition.keySet()).as("every partition of h3's command topic")
                    .isEqualTo(partitionsOf(system, Topics.hostCommandsTopicName("h3")));
            byPartition.forEach((partition, commands) -> {
                assertThat(commands).as("partition %s: the rotation first, signed by the key it retires", partition)
                        .first().satisfies(first -> {
                            assertThat(first.getMessageType()).isEqualTo(MessageType.ROTATE_CENTER_KEY);
                            assertThat(first.getSignerKeyId()).isEqualTo(firstKey);
                        });
                assertThat(commands).filteredOn(c -> c.getMessageType() == MessageType.ROTATE_CENTER_KEY).hasSize(1);
            });
            List<SignedEnvelope> migrations = byPartition.values().stream().flatMap(List::stream)
                    .filter(c -> c.getMigrationId().equals(toLateHost) || c.getMigrationId().equals(back)).toList();
            assertThat(migrations).isNotEmpty().extracting(SignedEnvelope::getSignerKeyId).containsOnly(newKey);
        }
    }

    private static String migrate(EmbeddedSystem system, String vm, String to) {
        MigrationRequested request = system.operator().newRequest(vm, to, Optional.empty(), Optional.empty(),
                "rotation-request-it");
        Optional<MigrationWatcher.Outcome> outcome = system.operator().sendAndAwait(request, WAIT, step -> { });
        assertThat(outcome).as("migration of %s to %s ended", vm, to).isPresent();
        assertThat(outcome.get().finalStep()).as("%s", outcome.get().reason()).isEqualTo(MigrationStep.DONE);
        return request.getMigrationId();
    }

    /** The host's commands per partition, in offset order. */
    private static java.util.Map<Integer, List<SignedEnvelope>> commandsTo(EmbeddedSystem system, String hostId)
            throws Exception {
        java.util.Map<Integer, List<SignedEnvelope>> commands = new java.util.TreeMap<>();
        try (var source = ClusterLogSource.open(system.clientProperties(), null, null)) {
            source.read(topic -> Topics.hostIdOfCommandTopic(topic).filter(hostId::equals).isPresent(),
                    (ExportedRecord record) -> {
                        if (record.getValue() != null) {
                            commands.computeIfAbsent(record.getPartition(), p -> new ArrayList<>())
                                    .add(ReplayFixture.envelope(record));
                        }
                    });
        }
        return commands;
    }

    private static Set<Integer> partitionsOf(EmbeddedSystem system, String topic) throws Exception {
        try (var admin = org.apache.kafka.clients.admin.Admin.create(system.clientProperties())) {
            var described = admin.describeTopics(List.of(topic)).allTopicNames().get(WAIT.toSeconds(),
                    java.util.concurrent.TimeUnit.SECONDS).get(topic);
            Set<Integer> partitions = new java.util.TreeSet<>();
            described.partitions().forEach(p -> partitions.add(p.partition()));
            return partitions;
        }
    }

    private record CliRun(int exit, String out, String err) { }

    private static CliRun cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = VmigrateMain.commandLine(List.of()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute(args);
        return new CliRun(exit, out.toString(), err.toString());
    }
}
