package io.vmigrate.tests.forensics;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.cli.operator.MigrationWatcher;
import io.vmigrate.embedded.EmbeddedSystem;
import io.vmigrate.forensics.AuditTail;
import io.vmigrate.forensics.ClusterLogSource;
import io.vmigrate.forensics.ReplayResult;
import io.vmigrate.forensics.TrustedKeys;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.forensics.ExportedRecord;
import io.vmigrate.schema.registry.CenterKeyRotation;
import io.vmigrate.schema.request.MigrationRequested;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.trust.Suite;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The center rolls its signing key while the system runs: every host's secure zone accepts the new
 * key from the announcement the old key signed, a migration commanded under the new key completes
 * (before and after a center restart, which must keep signing with the new key), and the whole log,
 * live and exported, replays without an anomaly from the first center key alone, as does the audit tail.
 */
class CenterKeyRotationIT {

    private static final Duration OUTCOME_TIMEOUT = Duration.ofSeconds(90);

    @TempDir
    Path dataDir;

    @ParameterizedTest
    @EnumSource(Suite.class)
    void aMigrationSignedUnderTheNewKeyCompletesAndTheLogReplaysAcrossTheRotation(Suite suite) throws Exception {
        try (EmbeddedSystem system = EmbeddedSystem.builder().dataDir(dataDir.resolve(suite.name())).hosts(2).vmsPerHost(1)
                .suite(suite).defaultDeadline(Duration.ofSeconds(45)).deregisterRetry(Duration.ofSeconds(2)).build().start()) {
            String vm = system.sampleVmIds().get(0);
            String home = system.awaitBindings(List.of(vm), Duration.ofSeconds(60)).get(vm).getBinding().getHostId();
            String away = system.hostIds().stream().filter(h -> !h.equals(home)).findFirst().orElseThrow();
            String firstKey = system.center().centerPublicKey().keyId().toString();

            String before = migrate(system, vm, away);

            CenterKeyRotation rotation = system.center().rotateCenterKey();
            String newKey = rotation.getNewKey().getKeyId();
            assertThat(rotation.getOldKeyId()).isEqualTo(firstKey);
            assertThat(system.center().signingPublicKey().keyId().toString()).isEqualTo(newKey);
            assertThat(system.center().centerPublicKey().keyId().toString()).as("the pinned root stays").isEqualTo(firstKey);

            String after = migrate(system, vm, home);
            system.restartCenter();
            assertThat(system.center().signingPublicKey().keyId().toString()).as("after a restart").isEqualTo(newKey);
            String afterRestart = migrate(system, vm, away);

            List<SignedEnvelope> commands = commands(system);
            assertThat(signersOf(commands, before)).containsExactly(firstKey);
            assertThat(signersOf(commands, after)).containsExactly(newKey);
            assertThat(signersOf(commands, afterRestart)).containsExactly(newKey);
            assertThat(commands).filteredOn(c -> c.getMessageType() == MessageType.ROTATE_CENTER_KEY)
                    .as("one announcement per partition of every approved host's command topic, by the old key")
                    .isNotEmpty()
                    .allSatisfy(c -> assertThat(c.getSignerKeyId()).isEqualTo(firstKey))
                    .extracting(SignedEnvelope::getHostId).containsAll(system.hostIds());

            ReplayFixture log = new ReplayFixture(system);
            ReplayResult live = log.replayCluster();
            assertThat(ReplayFixture.found(live)).isEmpty();
            assertThat(live.migrations()).isEqualTo(3);
            assertThat(live.outcomes()).as("the three migrations and the sample VMs' registrations")
                    .containsOnlyKeys("DONE");
            TrustedKeys keys = keysAt(system, firstKey);
            var tail = new AuditTail(system.clientProperties(), keys,
                    () -> TrustedKeys.loadFromCluster(system.clientProperties(), Optional.of(system.center().centerPublicKey()),
                            system.topics()),
                    new AuditTail.Options(true, false, null, null, false));
            var printed = new java.io.StringWriter();
            assertThat(tail.run(new java.io.PrintWriter(printed), () -> false)).as("%s", printed).isZero();
            assertThat(tail.shown()).isPositive();
            ReplayResult exported = log.replayFile(log.export(dataDir.resolve(suite.name() + "-export.avro")));
            assertThat(ReplayFixture.found(exported)).isEmpty();
            assertThat(exported.migrations()).isEqualTo(live.migrations());
        }
    }

    /** The keys an auditor pinning the first key trusts, read as the registry stands now. */
    private static TrustedKeys keysAt(EmbeddedSystem system, String firstKey) throws Exception {
        TrustedKeys keys = TrustedKeys.loadFromCluster(system.clientProperties(),
                Optional.of(system.center().centerPublicKey()), system.topics());
        assertThat(system.center().centerPublicKey().keyId().toString()).isEqualTo(firstKey);
        return keys;
    }

    private static String migrate(EmbeddedSystem system, String vm, String to) {
        MigrationRequested request = system.operator().newRequest(vm, to, Optional.empty(), Optional.empty(), "rotation-it");
        Optional<MigrationWatcher.Outcome> outcome = system.operator().sendAndAwait(request, OUTCOME_TIMEOUT, step -> { });
        assertThat(outcome).as("migration of %s to %s ended", vm, to).isPresent();
        assertThat(outcome.get().finalStep()).as("%s", outcome.get().reason()).isEqualTo(MigrationStep.DONE);
        return request.getMigrationId();
    }

    private static List<SignedEnvelope> commands(EmbeddedSystem system) throws Exception {
        List<SignedEnvelope> commands = new ArrayList<>();
        try (var source = ClusterLogSource.open(system.clientProperties(), null, null)) {
            source.read(topic -> Topics.hostIdOfCommandTopic(topic).isPresent(), (ExportedRecord record) -> {
                if (record.getValue() != null) {
                    commands.add(ReplayFixture.envelope(record));
                }
            });
        }
        return commands;
    }

    private static Set<String> signersOf(List<SignedEnvelope> commands, String migrationId) {
        Set<String> signers = new TreeSet<>();
        commands.stream().filter(c -> c.getMigrationId().equals(migrationId)).forEach(c -> signers.add(c.getSignerKeyId()));
        assertThat(signers).as("commands of migration %s", migrationId).isNotEmpty();
        return signers;
    }
}
