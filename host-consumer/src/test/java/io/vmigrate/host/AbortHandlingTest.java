package io.vmigrate.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.host.HandlingResult.Kind;
import io.vmigrate.host.hypervisor.HypervisorPort;
import io.vmigrate.host.hypervisor.VmState;
import io.vmigrate.host.store.DurableIdSet;
import io.vmigrate.host.store.ProcessedCommandStore;
import io.vmigrate.host.testing.CommandFeed;
import io.vmigrate.host.testing.RecordingPublisher;
import io.vmigrate.host.testing.TestHost;
import io.vmigrate.schema.common.HostRole;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.EnvelopeOpener;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.keys.KeyContexts;
import io.vmigrate.schema.reply.AbortAcknowledged;
import io.vmigrate.schema.reply.VmAttestation;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.securezone.client.SecureZonePort;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.Suite;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Aborts at the destination, against the real secure zone and file hypervisor: the target is destroyed
 * before the zone zeroizes the key, whether it was only created or already resumed; an abort handled
 * again (a retry with a fresh envelope) or with nothing left to do is acknowledged, never refused.
 */
class AbortHandlingTest {

    private static final String VM = "vm-1";
    private static final String MIGRATION = "m-1";
    /** The calls whose order matters, as they reach the real secure zone and hypervisor. */
    private static final Set<String> ORDERED = Set.of("verifyAbort", "abort", "destroyTarget");

    @TempDir
    Path dir;

    private CommandFeed center;
    private TestHost source;
    private TestHost destination;
    private final List<String> calls = new ArrayList<>();
    private final RecordingPublisher published = new RecordingPublisher();
    private CommandHandler observed;

    @BeforeEach
    void hosts() throws Exception {
        center = new CommandFeed(CryptoSuites.get(Suite.INTL));
        Path root = dir.resolve("hypervisor");
        source = new TestHost("h1", center.crypto(), root, dir.resolve("h1"), center.publicKey());
        destination = new TestHost("h2", center.crypto(), root, dir.resolve("h2"), center.publicKey());
        Path state = dir.resolve("h2-observed");
        observed = new CommandHandler("h2", Topics.withDefaultWireFormat(),
                recording(SecureZonePort.class, destination.secureZone), recording(HypervisorPort.class, destination.hypervisor),
                ProcessedCommandStore.open(state.resolve("processed.log"),
                        ProcessedCommandStore.DEFAULT_RETENTION, Clock.systemUTC()), DurableIdSet.open(state.resolve("r")),
                destination.pendingCompletions, published, Clock.systemUTC());
    }

    @AfterEach
    void close() throws Exception {
        source.close();
        destination.close();
    }

    /** Passes every call on to the real part and notes the ones whose order is checked. */
    private <T> T recording(Class<T> port, T real) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (ORDERED.contains(method.getName())) {
                calls.add(method.getName());
            }
            try {
                return method.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return port.cast(Proxy.newProxyInstance(port.getClassLoader(), new Class<?>[] {port}, handler));
    }

    private void targetCreatedWithItsKey() throws Exception {
        source.hypervisor.defineVm(VM, "web", "the image of vm-1".getBytes(StandardCharsets.UTF_8));
        source.handler.handle(center.record("h1", center.deliverFreshVmKey(KeyContexts.registrationMigrationId(VM), VM,
                "h1", "h1", 0, source.encapsulationKey())));
        destination.handler.handle(center.record("h2", center.createTarget(MIGRATION, VM, "h2", "h1", 0)));
        source.handler.handle(center.record("h1", center.migrateOut(MIGRATION, VM, "h1", "h2", 0)));
        destination.handler.handle(center.record("h2", center.deliverFreshVmKey(MIGRATION, VM, "h2", "h2", 1,
                destination.encapsulationKey())));
    }

    private void targetResumed() throws Exception {
        targetCreatedWithItsKey();
        SignedEnvelope attestationEnvelope = source.published.replies.get(source.published.replies.size() - 1).envelope();
        VmAttestation attestation = open(source, attestationEnvelope).body(VmAttestation.class);
        HandlingResult completed = destination.handler.handle(center.record("h2",
                center.forward(attestation, "h2", attestationEnvelope.getMessageId(), 1)));
        assertThat(completed.kind()).isEqualTo(Kind.CARRIED_OUT);
        assertThat(destination.hypervisor.state(VM)).isEqualTo(VmState.RUNNING);
    }

    private HandlingResult abortAtDestination(long offset) throws Exception {
        return observed.handle(CommandFeed.at("host.h2.commands", offset,
                center.abort(MIGRATION, VM, "h2", HostRole.DESTINATION, 0)));
    }

    private AbortAcknowledged lastAcknowledgement() throws Exception {
        SignedEnvelope reply = published.replies.get(published.replies.size() - 1).envelope();
        assertThat(reply.getMessageType()).isEqualTo(MessageType.ABORT_ACKNOWLEDGED);
        return open(destination, reply).body(AbortAcknowledged.class);
    }

    private static io.vmigrate.schema.envelope.OpenedEnvelope open(TestHost host, SignedEnvelope reply) throws Exception {
        var verifier = host.suite.verifier(host.signingKey());
        return new EnvelopeOpener(keyId -> Optional.of(verifier), Clock.systemUTC(), Duration.ofMinutes(1)).open(reply);
    }

    @Test
    void theTargetIsDestroyedBeforeTheZoneZeroizesItsKey() throws Exception {
        targetCreatedWithItsKey();

        HandlingResult result = abortAtDestination(100);

        assertThat(result.kind()).isEqualTo(Kind.CARRIED_OUT);
        assertThat(calls).containsExactly("verifyAbort", "destroyTarget", "abort");
        AbortAcknowledged ack = lastAcknowledgement();
        assertThat(ack.getTargetVmDestroyed()).isTrue();
        assertThat(ack.getVmKeyZeroized()).isTrue();
        assertThat(dir.resolve("hypervisor/h2/incoming/" + MIGRATION)).doesNotExist();
        // The key is gone: the zone signs no completion for this migration any more.
        assertThat(destination.secureZone.reportCompletion(MIGRATION, VM).getReason()).isEqualTo(RefusalReason.BINDING_MISMATCH);
    }

    @Test
    void aTargetAlreadyResumedIsDestroyedAndItsKeyZeroized() throws Exception {
        targetResumed();

        HandlingResult result = abortAtDestination(100);

        assertThat(result.kind()).isEqualTo(Kind.CARRIED_OUT);
        assertThat(calls).containsExactly("verifyAbort", "destroyTarget", "abort");
        assertThat(destination.hypervisor.state(VM)).isEqualTo(VmState.ABSENT);
        assertThat(lastAcknowledgement().getVmKeyZeroized()).isTrue();
        assertThat(source.hypervisor.state(VM)).isEqualTo(VmState.RUNNING);
    }

    @Test
    void anAbortRetriedWithAFreshEnvelopeIsAcknowledgedAgain() throws Exception {
        targetCreatedWithItsKey();
        abortAtDestination(100);
        AbortAcknowledged first = lastAcknowledgement();

        HandlingResult retried = abortAtDestination(101);

        assertThat(retried.kind()).isEqualTo(Kind.CARRIED_OUT);
        AbortAcknowledged again = lastAcknowledgement();
        assertThat(again.getMigrationId()).isEqualTo(MIGRATION);
        assertThat(again.getTargetVmDestroyed()).isEqualTo(first.getTargetVmDestroyed()).isTrue();
        assertThat(again.getVmKeyZeroized()).isEqualTo(first.getVmKeyZeroized()).isTrue();
        assertThat(published.alerts).isEmpty();
        assertThat(published.deadLetters).isEmpty();
    }

    @Test
    void anAbortWithNothingLeftToDoIsAcknowledgedNotRefused() throws Exception {
        HandlingResult atDestination = abortAtDestination(100);
        HandlingResult atSource = source.handler.handle(center.record("h1",
                center.abort("m-gone", VM, "h1", HostRole.SOURCE, 0)));

        assertThat(atDestination.kind()).isEqualTo(Kind.CARRIED_OUT);
        assertThat(lastAcknowledgement().getRole()).isEqualTo(HostRole.DESTINATION);
        assertThat(atSource.kind()).isEqualTo(Kind.CARRIED_OUT);
        SignedEnvelope sourceReply = source.published.replies.get(source.published.replies.size() - 1).envelope();
        AbortAcknowledged sourceAck = open(source, sourceReply).body(AbortAcknowledged.class);
        assertThat(sourceAck.getTargetVmDestroyed()).isFalse();
        assertThat(sourceAck.getVmKeyZeroized()).isFalse();
    }
}
