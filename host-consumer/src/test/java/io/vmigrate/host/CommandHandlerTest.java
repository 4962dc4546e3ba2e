package io.vmigrate.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmigrate.host.HandlingResult.Kind;
import io.vmigrate.host.hypervisor.VmState;
import io.vmigrate.host.testing.RecordingPublisher;
import io.vmigrate.host.testing.CommandFeed;
import io.vmigrate.host.testing.TestHost;
import io.vmigrate.schema.alert.SecurityAlert;
import io.vmigrate.schema.common.HostRole;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.EnvelopeOpener;
import io.vmigrate.schema.envelope.OpenedEnvelope;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.keys.KeyContexts;
import io.vmigrate.schema.reply.AbortAcknowledged;
import io.vmigrate.schema.reply.CommandRefused;
import io.vmigrate.schema.reply.KeyInstallOutcome;
import io.vmigrate.schema.reply.KeyInstallReply;
import io.vmigrate.schema.reply.MigrationCompleted;
import io.vmigrate.schema.reply.VmAttestation;
import io.vmigrate.schema.reply.VmDeregistered;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.Suite;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The per-record handling of every command type, against the real secure zone server on a temp socket. */
class CommandHandlerTest {

    private static final String VM = "vm-1";
    private static final String MIGRATION = "m-1";

    @TempDir
    Path dir;

    private CommandFeed center;
    private TestHost source;
    private TestHost destination;

    private void hosts(Suite suite) throws IOException {
        center = new CommandFeed(CryptoSuites.get(suite));
        Path root = dir.resolve("hypervisor");
        source = new TestHost("h1", center.crypto(), root, dir.resolve("h1"), center.publicKey());
        destination = new TestHost("h2", center.crypto(), root, dir.resolve("h2"), center.publicKey());
    }

    @AfterEach
    void close() throws IOException {
        if (source != null) {
            source.close();
        }
        if (destination != null) {
            destination.close();
        }
    }

    /** The VM runs on the source, which holds its epoch-0 key (what registration leaves behind). */
    private void registeredVmOnSource() throws IOException, Exception {
        source.hypervisor.defineVm(VM, "web", "the image of vm-1".repeat(1000).getBytes(StandardCharsets.UTF_8));
        String registration = KeyContexts.registrationMigrationId(VM);
        HandlingResult installed = source.handler.handle(center.record("h1",
                center.deliverFreshVmKey(registration, VM, "h1", "h1", 0, source.encapsulationKey())));
        assertThat(installed.kind()).isEqualTo(Kind.CARRIED_OUT);
        KeyInstallReply reply = openReply(source, lastReply(source)).body(KeyInstallReply.class);
        assertThat(reply.getOutcome()).isEqualTo(KeyInstallOutcome.INSTALLED);
        assertThat(reply.getEpoch()).isZero();
        assertThat(source.registrations.contains(VM)).as("the registration is answered: asked no more").isTrue();
        source.published.clear();
    }

    private static SignedEnvelope lastReply(TestHost host) {
        assertThat(host.published.replies).isNotEmpty();
        return host.published.replies.get(host.published.replies.size() - 1).envelope();
    }

    /** Opens a reply as the center would: signed by the host's registered secure-zone key. */
    private static OpenedEnvelope openReply(TestHost host, SignedEnvelope reply) throws Exception {
        var verifier = host.suite.verifier(host.signingKey());
        var opener = new EnvelopeOpener(keyId -> keyId.equals(host.signingKey().keyId().toString())
                ? Optional.of(verifier) : Optional.empty(), Clock.systemUTC(), Duration.ofMinutes(1));
        OpenedEnvelope opened = opener.open(reply);
        assertThat(reply.getHostId()).isEqualTo(host.hostId);
        return opened;
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void aMigrationWalksEveryHostStepAndMovesTheVm(Suite suite) throws Exception {
        hosts(suite);
        registeredVmOnSource();

        // s31 destination: target created, paused.
        HandlingResult created = destination.handler.handle(center.record("h2", center.createTarget(MIGRATION, VM, "h2", "h1", 0)));
        assertThat(created.kind()).isEqualTo(Kind.CARRIED_OUT);
        assertThat(lastReply(destination).getMessageType()).isEqualTo(MessageType.TARGET_VM_CREATED);
        openReply(destination, lastReply(destination));
        assertThat(destination.hypervisor.state(VM)).isEqualTo(VmState.PAUSED_AWAITING_STATE);

        // s31 source: state sent, attested over what it sent.
        source.handler.handle(center.record("h1", center.migrateOut(MIGRATION, VM, "h1", "h2", 0)));
        SignedEnvelope attestationEnvelope = lastReply(source);
        VmAttestation attestation = openReply(source, attestationEnvelope).body(VmAttestation.class);
        assertThat(ByteBuffers.toArray(attestation.getImageManifestDigest()))
                .isEqualTo(source.hypervisor.describe(VM).imageManifestDigest());
        assertThat(source.hypervisor.state(VM)).isEqualTo(VmState.RUNNING);

        // s34-s35: key for epoch 1 installed at the destination.
        destination.handler.handle(center.record("h2", center.deliverFreshVmKey(MIGRATION, VM, "h2", "h2", 1,
                destination.encapsulationKey())));
        KeyInstallReply installed = openReply(destination, lastReply(destination)).body(KeyInstallReply.class);
        assertThat(installed.getOutcome()).isEqualTo(KeyInstallOutcome.INSTALLED);

        // s35-s36: the forwarded attestation matches what arrived; the VM runs at the destination.
        HandlingResult completed = destination.handler.handle(center.record("h2",
                center.forward(attestation, "h2", attestationEnvelope.getMessageId(), 1)));
        assertThat(completed.kind()).isEqualTo(Kind.CARRIED_OUT);
        MigrationCompleted completion = openReply(destination, lastReply(destination)).body(MigrationCompleted.class);
        assertThat(completion.getEpoch()).isEqualTo(1);
        assertThat(completion.getKeyFingerprint()).isEqualTo(center.fingerprint(VM, 1));
        assertThat(destination.hypervisor.state(VM)).isEqualTo(VmState.RUNNING);
        assertThat(destination.registrations.contains(VM)).isTrue();

        // s37: the source deregisters the original and its secure zone destroys the old key.
        HandlingResult deregistered = source.handler.handle(center.record("h1",
                center.deregister(MIGRATION, VM, "h1", 1, center.fingerprint(VM, 0))));
        assertThat(deregistered.kind()).isEqualTo(Kind.CARRIED_OUT);
        VmDeregistered gone = openReply(source, lastReply(source)).body(VmDeregistered.class);
        assertThat(gone.getDestroyedKeyFingerprint()).isEqualTo(center.fingerprint(VM, 0));
        assertThat(source.hypervisor.state(VM)).isEqualTo(VmState.ABSENT);

        assertThat(source.published.alerts).isEmpty();
        assertThat(destination.published.alerts).isEmpty();
        // Every reply is keyed by the VM id.
        assertThat(destination.published.replies).allSatisfy(reply -> assertThat(reply.key()).isEqualTo(VM));
    }

    @Test
    void anAttestationThatOvertakesTheKeyIsCompletedWhenTheKeyArrives() throws Exception {
        hosts(Suite.INTL);
        registeredVmOnSource();
        destination.handler.handle(center.record("h2", center.createTarget(MIGRATION, VM, "h2", "h1", 0)));
        source.handler.handle(center.record("h1", center.migrateOut(MIGRATION, VM, "h1", "h2", 0)));
        SignedEnvelope attestationEnvelope = lastReply(source);
        VmAttestation attestation = openReply(source, attestationEnvelope).body(VmAttestation.class);
        destination.published.clear();

        HandlingResult waiting = destination.handler.handle(center.record("h2",
                center.forward(attestation, "h2", attestationEnvelope.getMessageId(), 1)));

        assertThat(waiting.kind()).isEqualTo(Kind.AWAITING_VM_KEY);
        assertThat(destination.published.total()).isZero();
        assertThat(destination.hypervisor.state(VM)).isEqualTo(VmState.PAUSED_AWAITING_STATE);

        destination.handler.handle(center.record("h2", center.deliverFreshVmKey(MIGRATION, VM, "h2", "h2", 1,
                destination.encapsulationKey())));

        assertThat(destination.published.replies).extracting(reply -> reply.envelope().getMessageType())
                .containsExactly(MessageType.KEY_INSTALL_REPLY, MessageType.MIGRATION_COMPLETED);
        assertThat(destination.hypervisor.state(VM)).isEqualTo(VmState.RUNNING);
        assertThat(destination.pendingCompletions.ids()).isEmpty();
    }

    @Test
    void aCommandDeliveredTwiceAtTheSameOffsetIsActedOnOnceAndItsReplyRepublished() throws Exception {
        hosts(Suite.INTL);
        registeredVmOnSource();
        CommandRecord record = center.record("h1", center.migrateOut(MIGRATION, VM, "h1", "h2", 0));
        source.handler.handle(record);
        byte[] first = source.published.replies.get(0).bytes();

        HandlingResult again = source.handler.handle(record);

        assertThat(again.kind()).isEqualTo(Kind.REDELIVERED);
        assertThat(source.published.replies).hasSize(2);
        assertThat(source.published.replies.get(1).bytes()).isEqualTo(first);
        assertThat(source.published.alerts).isEmpty();
    }

    @Test
    void aCrashBeforeTheCommandWasRecordedRepublishesTheSecureZonesFirstReply() throws Exception {
        hosts(Suite.INTL);
        registeredVmOnSource();
        SignedEnvelope deliver = center.deliverFreshVmKey(MIGRATION, VM, "h2", "h2", 1, destination.encapsulationKey());
        destination.handler.handle(CommandFeed.at("host.h2.commands", 7, deliver));
        byte[] first = lastReply(destination).toByteBuffer().array();

        // Same record, but the agent lost its processed-command store (e.g. it crashed before recording).
        Path freshStore = dir.resolve("h2-fresh");
        try (var store = io.vmigrate.host.store.ProcessedCommandStore.open(freshStore.resolve("processed.log"),
                io.vmigrate.host.store.ProcessedCommandStore.DEFAULT_RETENTION, Clock.systemUTC())) {
            var published = new RecordingPublisher();
            var handler = new CommandHandler("h2", io.vmigrate.schema.topic.Topics.withDefaultWireFormat(),
                    destination.secureZone, destination.hypervisor, store,
                    io.vmigrate.host.store.DurableIdSet.open(freshStore.resolve("r")),
                    io.vmigrate.host.store.DurableIdSet.open(freshStore.resolve("p")), published, Clock.systemUTC());
            HandlingResult again = handler.handle(CommandFeed.at("host.h2.commands", 7, deliver));
            assertThat(again.kind()).isEqualTo(Kind.CARRIED_OUT);
            assertThat(published.replies.get(0).envelope().toByteBuffer().array()).isEqualTo(first);
        }
    }

    @Test
    void aMessageIdSeenAtAnotherOffsetIsAReplayRefusedAndReported() throws Exception {
        hosts(Suite.INTL);
        registeredVmOnSource();
        SignedEnvelope migrateOut = center.migrateOut(MIGRATION, VM, "h1", "h2", 0);
        source.handler.handle(CommandFeed.at("host.h1.commands", 3, migrateOut));
        source.published.clear();

        HandlingResult replay = source.handler.handle(CommandFeed.at("host.h1.commands", 9, migrateOut));

        assertThat(replay.kind()).isEqualTo(Kind.REPLAYED);
        assertThat(source.published.replies).isEmpty();
        assertThat(source.published.deadLetters).isEmpty();
        SecurityAlert alert = source.published.alerts.get(0);
        assertThat(alert.getReason()).isEqualTo(RefusalReason.REPLAYED);
        assertThat(alert.getOffendingMessageId()).isEqualTo(migrateOut.getMessageId());
        assertThat(alert.getSourceTopic()).isEqualTo("host.h1.commands");
        assertThat(alert.getSourcePartition()).isZero();
        assertThat(alert.getSourceOffset()).isEqualTo(9);
        assertThat(alert.getDetectedBy()).isEqualTo("host-agent/h1");
    }

    @Test
    void aDeregisterSignedByAnotherKeyIsDeadLetteredWithoutASignedRefusalTheVmStaysAndAnAlertIsRaised() throws Exception {
        hosts(Suite.INTL);
        registeredVmOnSource();
        CommandFeed forger = new CommandFeed(center.crypto());

        HandlingResult result = source.handler.handle(center.record("h1",
                forger.deregister(MIGRATION, VM, "h1", 1, center.fingerprint(VM, 0))));

        assertThat(result.kind()).isEqualTo(Kind.NOT_ADMITTED);
        assertThat(source.hypervisor.state(VM)).isEqualTo(VmState.RUNNING);
        // Nothing signed names the migration the forgery claims.
        assertThat(source.published.replies).isEmpty();
        assertThat(source.published.deadLetters).singleElement()
                .satisfies(dead -> assertThat(dead.reason()).isEqualTo(RefusalReason.UNKNOWN_SIGNER));
        assertThat(source.published.alerts).singleElement()
                .satisfies(alert -> assertThat(alert.getReason()).isEqualTo(RefusalReason.UNKNOWN_SIGNER));
    }

    @Test
    void aStaleDeregisterFromAnEarlierEpochIsRefusedTheVmStaysAndAnAlertIsRaised() throws Exception {
        hosts(Suite.INTL);
        registeredVmOnSource();

        HandlingResult result = source.handler.handle(center.record("h1",
                center.deregister("m-old", VM, "h1", 0, center.fingerprint(VM, 0))));

        assertThat(result.kind()).isEqualTo(Kind.REFUSED);
        assertThat(source.hypervisor.state(VM)).isEqualTo(VmState.RUNNING);
        assertThat(openReply(source, lastReply(source)).body(CommandRefused.class).getReason())
                .isEqualTo(RefusalReason.STALE_EPOCH);
        assertThat(source.published.alerts).singleElement()
                .satisfies(alert -> assertThat(alert.getReason()).isEqualTo(RefusalReason.STALE_EPOCH));
    }

    @Test
    void aKeyBoundToAnotherHostFailsToInstallAndIsReported() throws Exception {
        hosts(Suite.INTL);

        HandlingResult result = destination.handler.handle(center.record("h2",
                center.deliverFreshVmKey(MIGRATION, VM, "h2", "h1", 1, destination.encapsulationKey())));

        assertThat(result.kind()).isEqualTo(Kind.REFUSED);
        KeyInstallReply reply = openReply(destination, lastReply(destination)).body(KeyInstallReply.class);
        assertThat(reply.getOutcome()).isEqualTo(KeyInstallOutcome.FAILED);
        assertThat(reply.getReason()).isEqualTo(RefusalReason.WRONG_HOST);
        assertThat(destination.published.alerts).singleElement()
                .satisfies(alert -> assertThat(alert.getReason()).isEqualTo(RefusalReason.WRONG_HOST));
    }

    @Test
    void abortDestroysTheTargetAndZeroizesTheKeyWhileTheSourceKeepsRunning() throws Exception {
        hosts(Suite.INTL);
        registeredVmOnSource();
        destination.handler.handle(center.record("h2", center.createTarget(MIGRATION, VM, "h2", "h1", 0)));
        source.handler.handle(center.record("h1", center.migrateOut(MIGRATION, VM, "h1", "h2", 0)));
        destination.handler.handle(center.record("h2", center.deliverFreshVmKey(MIGRATION, VM, "h2", "h2", 1,
                destination.encapsulationKey())));

        destination.handler.handle(center.record("h2", center.abort(MIGRATION, VM, "h2", HostRole.DESTINATION, 0)));
        source.handler.handle(center.record("h1", center.abort(MIGRATION, VM, "h1", HostRole.SOURCE, 0)));

        AbortAcknowledged atDestination = openReply(destination, lastReply(destination)).body(AbortAcknowledged.class);
        assertThat(atDestination.getTargetVmDestroyed()).isTrue();
        assertThat(atDestination.getVmKeyZeroized()).isTrue();
        assertThat(destination.hypervisor.state(VM)).isEqualTo(VmState.ABSENT);
        assertThat(dir.resolve("hypervisor/h2/incoming/" + MIGRATION)).doesNotExist();
        AbortAcknowledged atSource = openReply(source, lastReply(source)).body(AbortAcknowledged.class);
        assertThat(atSource.getTargetVmDestroyed()).isFalse();
        assertThat(source.hypervisor.state(VM)).isEqualTo(VmState.RUNNING);
    }

    @Test
    void whatTheHypervisorCannotDoIsRefusedWithASignedRefusal() throws Exception {
        hosts(Suite.INTL);
        destination.hypervisor.defineVm(VM, "already here", new byte[] {1});

        HandlingResult result = destination.handler.handle(center.record("h2",
                center.createTarget(MIGRATION, VM, "h2", "h1", 0)));

        assertThat(result.kind()).isEqualTo(Kind.REFUSED);
        CommandRefused refused = openReply(destination, lastReply(destination)).body(CommandRefused.class);
        assertThat(refused.getReason()).isEqualTo(RefusalReason.HYPERVISOR_FAILURE);
        assertThat(destination.published.alerts).isEmpty();
    }

    @Test
    void aMigrateOutForAnEpochTheSourceDoesNotHoldMovesNothing() throws Exception {
        hosts(Suite.INTL);
        registeredVmOnSource();

        HandlingResult result = source.handler.handle(center.record("h1", center.migrateOut(MIGRATION, VM, "h1", "h2", 5)));

        assertThat(result.kind()).isEqualTo(Kind.REFUSED);
        assertThat(dir.resolve("hypervisor/h2/incoming/" + MIGRATION)).doesNotExist();
        assertThat(openReply(source, lastReply(source)).body(CommandRefused.class).getReason())
                .isEqualTo(RefusalReason.STALE_EPOCH);
    }

    @Test
    void anUndecodableRecordIsDeadLetteredAndNothingElseHappens() throws Exception {
        hosts(Suite.INTL);
        CommandRecord garbage = new CommandRecord("host.h2.commands", 0, 4, null, "not avro".getBytes(StandardCharsets.UTF_8));

        HandlingResult result = destination.handler.handle(garbage);

        assertThat(result.kind()).isEqualTo(Kind.DEAD_LETTERED);
        assertThat(destination.published.deadLetters).singleElement().satisfies(dead -> {
            assertThat(dead.reason()).isEqualTo(RefusalReason.MALFORMED);
            assertThat(dead.record().offset()).isEqualTo(4);
        });
        assertThat(destination.published.replies).isEmpty();
        assertThat(destination.processed.size()).isZero();
    }

    @Test
    void anUnreachableSecureZoneLeavesTheRecordUnhandledUntilItIsBack() throws Exception {
        hosts(Suite.INTL);
        CommandRecord create = center.record("h2", center.createTarget(MIGRATION, VM, "h2", "h1", 0));
        destination.stopSecureZone();

        assertThatThrownBy(() -> destination.handler.handle(create)).isInstanceOf(IOException.class);
        assertThat(destination.published.total()).isZero();
        assertThat(destination.processed.size()).isZero();
        assertThat(destination.hypervisor.state(VM)).isEqualTo(VmState.ABSENT);

        destination.startSecureZone();
        HandlingResult result = destination.handler.handle(create);

        assertThat(result.kind()).isEqualTo(Kind.CARRIED_OUT);
        assertThat(destination.hypervisor.state(VM)).isEqualTo(VmState.PAUSED_AWAITING_STATE);
        assertThat(Files.exists(dir.resolve("h2/agent/processed-commands.log"))).isTrue();
    }
}
