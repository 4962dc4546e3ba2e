package io.vmigrate.center;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.center.MigrationState;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.inventory.VmRegistrationRequested;
import io.vmigrate.schema.request.MigrationRejected;
import io.vmigrate.schema.request.MigrationRequested;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.schema.topic.DeadLetterHeaders;
import io.vmigrate.trust.Suite;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Keys and partitions agree: a VM registration counts only as an envelope signed by the secure zone of an
 * approved host naming itself, for a VM with no binding; a migration id is claimed once, whatever VM.
 */
class CenterRegistrationAndClaimTest {

    @TempDir
    Path dir;

    private static String header(Headers headers, String name) {
        return new String(headers.lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    /** One dead letter from vm.registrations and one alert, both of {@code reason}; no key went anywhere. */
    private static void assertRegistrationRefused(CenterHarness center, RefusalReason reason, String... hosts)
            throws Exception {
        center.drain();
        assertThat(center.deadLetters).hasSize(1);
        TestRecord<byte[], byte[]> dead = center.deadLetters.get(0);
        assertThat(header(dead.headers(), DeadLetterHeaders.REASON)).isEqualTo(reason.name());
        assertThat(header(dead.headers(), DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo("vm.registrations");
        assertThat(center.alerts).singleElement().satisfies(alert -> {
            assertThat(alert.getReason()).isEqualTo(reason);
            assertThat(alert.getSourceTopic()).isEqualTo("vm.registrations");
        });
        for (String host : hosts) {
            assertThat(center.commands(host)).as("no key delivered to " + host).isEmpty();
        }
        assertThat(center.inventoryTopic.readValuesToList()).as("no binding").isEmpty();
        center.deadLetters.clear();
        center.alerts.clear();
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void aRegistrationSignedByTheNamedHostsZoneGetsItsEpochZeroKey(Suite suite) throws Exception {
        try (CenterHarness center = new CenterHarness(suite, dir)) {
            SimulatedHost h1 = center.enrolledHost("h1");
            center.register("vm1", h1);
            assertThat(center.binding("vm1").getBinding().getHostId()).isEqualTo("h1");
            assertThat(center.binding("vm1").getBinding().getEpoch()).isZero();
            center.drain();
            assertThat(center.deadLetters).isEmpty();
            assertThat(center.alerts).isEmpty();
        }
    }

    @Test
    void aRegistrationForgedForAnotherHostIsRefused() throws Exception {
        try (CenterHarness center = new CenterHarness(Suite.INTL, dir)) {
            center.enrolledHost("h1");
            SimulatedHost h2 = center.enrolledHost("h2");
            center.drain();

            // h2's zone key in an envelope claiming h1: not h1's registered key.
            SignedEnvelope claimingH1 = h2.registration("vm1", "h1");
            claimingH1 = SignedEnvelope.newBuilder(claimingH1).setHostId("h1").build();
            center.registrations.pipeInput("vm1", claimingH1);
            assertRegistrationRefused(center, RefusalReason.UNKNOWN_SIGNER, "h1", "h2");

            // Signed as h2, but the body names h1.
            center.registrations.pipeInput("vm1", h2.registration("vm1", "h1"));
            assertRegistrationRefused(center, RefusalReason.WRONG_HOST, "h1", "h2");
            assertThat(center.state("vm1")).isNull();
        }
    }

    @Test
    void registrationsFromPendingRetiredOrUnknownHostsAreRefused() throws Exception {
        try (CenterHarness center = new CenterHarness(Suite.INTL, dir)) {
            SimulatedHost pending = center.pendingHost("h1");
            SimulatedHost retired = center.enrolledHost("h2");
            center.retire("h2");
            center.drain();
            center.deadLetters.clear();
            center.alerts.clear();

            center.registrations.pipeInput("vm1", pending.registration("vm1"));
            assertRegistrationRefused(center, RefusalReason.HOST_NOT_APPROVED, "h1");
            center.registrations.pipeInput("vm2", retired.registration("vm2"));
            assertRegistrationRefused(center, RefusalReason.HOST_RETIRED, "h2");
            center.registrations.pipeInput("vm3", center.host("h9").registration("vm3"));
            assertRegistrationRefused(center, RefusalReason.UNKNOWN_SIGNER, "h9");

            // Approved later, the host asks again and is answered.
            center.approve(pending);
            center.register("vm1", pending);
            assertThat(center.binding("vm1").getBinding().getHostId()).isEqualTo("h1");
        }
    }

    @Test
    void aRegistrationOfABoundVmIsRefused() throws Exception {
        try (CenterHarness center = new CenterHarness(Suite.INTL, dir)) {
            SimulatedHost h1 = center.enrolledHost("h1");
            SimulatedHost h2 = center.enrolledHost("h2");
            center.register("vm1", h1);
            var bound = center.binding("vm1");
            center.drain();
            center.inventoryTopic.readValuesToList();

            center.registrations.pipeInput("vm1", h2.registration("vm1"));
            assertRegistrationRefused(center, RefusalReason.BINDING_MISMATCH, "h1", "h2");
            assertThat(center.binding("vm1")).isEqualTo(bound);
        }
    }

    @Test
    void aRegistrationWithABadSignatureOrOfAnotherVmIsRefused() throws Exception {
        try (CenterHarness center = new CenterHarness(Suite.INTL, dir)) {
            SimulatedHost h1 = center.enrolledHost("h1");
            center.drain();

            SignedEnvelope registration = h1.registration("vm1");
            byte[] signature = new byte[registration.getSignature().remaining()];
            registration.getSignature().duplicate().get(signature);
            signature[signature.length - 1] ^= 1;
            center.registrations.pipeInput("vm1", SignedEnvelope.newBuilder(registration)
                    .setSignature(ByteBuffer.wrap(signature)).build());
            assertRegistrationRefused(center, RefusalReason.SIGNATURE_INVALID, "h1");

            // A body altered after signing.
            SingleObjectCodec<VmRegistrationRequested> bodies = SingleObjectCodec.of(VmRegistrationRequested.class);
            VmRegistrationRequested renamed = VmRegistrationRequested.newBuilder(
                    bodies.decode(io.vmigrate.schema.serde.ByteBuffers.toArray(registration.getBody()))).setVmName("x").build();
            center.registrations.pipeInput("vm1", SignedEnvelope.newBuilder(registration)
                    .setBody(ByteBuffer.wrap(bodies.encode(renamed))).build());
            assertRegistrationRefused(center, RefusalReason.SIGNATURE_INVALID, "h1");

            // A real registration, written where replies go: no reply, refused there.
            center.events.pipeInput("vm1", registration);
            center.drain();
            assertThat(center.deadLetters).singleElement().satisfies(dead ->
                    assertThat(header(dead.headers(), DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo("host.events"));
            assertThat(center.commands("h1")).isEmpty();
            center.deadLetters.clear();
            center.alerts.clear();

            // A real registration of vm1, keyed as another VM.
            center.registrations.pipeInput("vm2", registration);
            assertRegistrationRefused(center, RefusalReason.MALFORMED, "h1");
        }
    }

    @Test
    void anUnsignedRegistrationOfOldIsRefusedAsNotSigned() throws Exception {
        try (CenterHarness center = new CenterHarness(Suite.INTL, dir)) {
            center.enrolledHost("h1");
            center.drain();
            VmRegistrationRequested unsigned = VmRegistrationRequested.newBuilder().setVmId("vm1").setHostId("h1")
                    .setVmName("vm1").setRequestedAt(center.clock.instant()).setRequestedBy("agent/h1").build();
            center.rawRegistrations.pipeInput("vm1", SingleObjectCodec.of(VmRegistrationRequested.class).encode(unsigned));
            assertRegistrationRefused(center, RefusalReason.NOT_SIGNED, "h1");

            center.rawRegistrations.pipeInput("vm1", "not a registration".getBytes(StandardCharsets.UTF_8));
            assertRegistrationRefused(center, RefusalReason.MALFORMED, "h1");
        }
    }

    @Test
    void aMigrationIdIsClaimedOnceWhateverTheVmsPartition() throws Exception {
        try (CenterHarness center = new CenterHarness(Suite.INTL, dir)) {
            SimulatedHost h1 = center.enrolledHost("h1");
            center.enrolledHost("h2");
            center.register("vm1", h1);
            center.register("vm2", h1);
            center.request("m1", "vm1", "h1", "h2");
            assertThat(center.commands("h1")).hasSize(1);
            center.commands("h2");
            var claims = center.driver.<String, MigrationRequested>getKeyValueStore(CenterTopology.MIGRATION_ID_CLAIMS_STORE);
            assertThat(claims.get("m1").getVmId()).isEqualTo("vm1");

            // The driver runs one partition; a VM on another partition's task would not find m1 in its
            // migrations-by-id store. Make this task as forgetful: only the claim can refuse the reuse.
            center.driver.<String, MigrationState>getKeyValueStore(CenterTopology.MIGRATIONS_BY_ID_STORE).delete("m1");
            center.rejectionsTopic.readValuesToList();
            center.drain();
            center.alerts.clear();

            center.request("m1", "vm2", "h1", "h2");
            List<MigrationRejected> rejections = center.rejectionsTopic.readValuesToList();
            assertThat(rejections).singleElement().satisfies(rejected -> {
                assertThat(rejected.getVmId()).isEqualTo("vm2");
                assertThat(rejected.getReason()).isEqualTo(RefusalReason.REPLAYED);
                assertThat(rejected.getDetail()).contains("already claimed for VM vm1");
            });
            center.drain();
            assertThat(center.alerts).singleElement().satisfies(alert ->
                    assertThat(alert.getReason()).isEqualTo(RefusalReason.REPLAYED));
            assertThat(center.commands("h1")).as("nothing commanded for the reused id").isEmpty();
            assertThat(center.commands("h2")).isEmpty();
            assertThat(center.state("vm2").getMigrationId()).as("vm2 is untouched").isEqualTo("register:vm2");
            assertThat(center.audit("m1")).as("the reuse adds nothing to m1's chain")
                    .allSatisfy(record -> assertThat(record.getVmId()).isEqualTo("vm1"));
            assertThat(claims.get("m1").getVmId()).isEqualTo("vm1");

            // The same request again (an operator's retry) passes the claim; the workflow knows it.
            center.request("m1", "vm1", "h1", "h2");
            assertThat(center.rejectionsTopic.readValuesToList()).isEmpty();
            assertThat(center.commands("h1")).isEmpty();
        }
    }
}
