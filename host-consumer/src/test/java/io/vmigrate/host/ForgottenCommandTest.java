package io.vmigrate.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.host.HandlingResult.Kind;
import io.vmigrate.host.hypervisor.VmState;
import io.vmigrate.host.store.ProcessedCommandStore;
import io.vmigrate.host.testing.CommandFeed;
import io.vmigrate.common.testing.ManualClock;
import io.vmigrate.host.testing.RecordingPublisher.DeadLetter;
import io.vmigrate.host.testing.TestHost;
import io.vmigrate.schema.command.CreateTargetVm;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.Suite;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent forgets a command once its envelope's expiry plus the retention is past; against the real
 * secure zone (same clock), a forgotten command delivered again is refused by the zone as expired before
 * anything acts, so it is never carried out twice. Within the window the agent's own log answers.
 */
class ForgottenCommandTest {

    private static final String TOPIC = "host.h2.commands";
    private static final String VM = "vm-1";
    private static final String MIGRATION = "m-1";
    private static final Duration TTL = Duration.ofMinutes(10);

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(Instant.now().truncatedTo(ChronoUnit.MILLIS));
    private CommandFeed center;
    private TestHost host;

    @BeforeEach
    void host() throws Exception {
        center = new CommandFeed(CryptoSuites.get(Suite.INTL));
        host = new TestHost("h2", center.crypto(), dir.resolve("hypervisor"), dir.resolve("h2"), center.publicKey(), clock);
    }

    @AfterEach
    void close() throws Exception {
        host.close();
    }

    private SignedEnvelope createTarget() {
        Instant now = clock.instant();
        return center.sealValidBetween(MIGRATION, VM, "h2", 0, CreateTargetVm.newBuilder().setMigrationId(MIGRATION)
                .setVmId(VM).setSourceHostId("h1").setDeadline(now.plus(TTL)).build(), now, now.plus(TTL));
    }

    @Test
    void aForgottenCommandDeliveredAgainIsRefusedAsExpiredByTheZoneAndNotCarriedOutAgain() throws Exception {
        SignedEnvelope command = createTarget();
        CommandRecord record = CommandFeed.at(TOPIC, 0, command);
        assertThat(host.handler.handle(record).kind()).isEqualTo(Kind.CARRIED_OUT);
        assertThat(host.hypervisor.state(VM)).isEqualTo(VmState.PAUSED_AWAITING_STATE);
        byte[] reply = host.published.replies.get(0).bytes();

        // Long after the zone itself would refuse it, up to expiry + retention, the agent's log still answers.
        clock.advance(TTL.plus(ProcessedCommandStore.DEFAULT_RETENTION));
        host.published.clear();
        assertThat(host.handler.handle(record).kind()).isEqualTo(Kind.REDELIVERED);
        assertThat(host.published.replies).singleElement().satisfies(again -> assertThat(again.bytes()).isEqualTo(reply));
        assertThat(host.handler.handle(CommandFeed.at(TOPIC, 5, command)).kind()).isEqualTo(Kind.REPLAYED);

        // The migration was aborted meanwhile: a command carried out again would bring the target back.
        host.hypervisor.destroyTarget(MIGRATION, VM);
        host.published.clear();
        clock.advance(Duration.ofMillis(1));
        assertThat(host.processed.find(command.getMessageId())).as("forgotten").isEmpty();

        HandlingResult again = host.handler.handle(record);

        assertThat(again.kind()).isEqualTo(Kind.NOT_ADMITTED);
        assertThat(host.published.deadLetters).extracting(DeadLetter::reason).containsExactly(RefusalReason.EXPIRED);
        assertThat(host.published.replies).as("nothing signed, nothing answered").isEmpty();
        assertThat(host.hypervisor.state(VM)).as("not carried out again").isEqualTo(VmState.ABSENT);
        assertThat(host.processed.find(command.getMessageId())).as("an unadmitted command is not remembered").isEmpty();
    }

    @Test
    void commandsOfManyRetentionWindowsLeaveOnlyTheLastWindowInTheLog() throws Exception {
        int perWindow = 3;
        for (int window = 0; window < 4; window++) {
            for (int i = 0; i < perWindow; i++) {
                String migration = "m-" + window + "-" + i;
                Instant now = clock.instant();
                SignedEnvelope command = center.sealValidBetween(migration, "vm-" + window + "-" + i, "h2", 0,
                        CreateTargetVm.newBuilder().setMigrationId(migration).setVmId("vm-" + window + "-" + i)
                                .setSourceHostId("h1").setDeadline(now.plus(TTL)).build(), now, now.plus(TTL));
                assertThat(host.handler.handle(center.record("h2", command)).kind()).isEqualTo(Kind.CARRIED_OUT);
            }
            assertThat(host.processed.size()).as("window %d", window).isEqualTo(perWindow);
            clock.advance(TTL.plus(ProcessedCommandStore.DEFAULT_RETENTION).plusMillis(1));
        }
    }
}
