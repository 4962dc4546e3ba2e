package io.vmigrate.host.enrollment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmigrate.host.AgentFatalException;
import io.vmigrate.host.store.DurableIdSet;
import io.vmigrate.host.testing.CommandFeed;
import io.vmigrate.host.testing.TestHost;
import io.vmigrate.schema.inventory.VmRegistrationRequested;
import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.registry.EnrollmentProof;
import io.vmigrate.schema.registry.HostEnrollmentRequested;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.SignatureBlob;
import io.vmigrate.trust.Suite;
import io.vmigrate.common.retry.Backoff;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.envelope.EnvelopeOpener;
import io.vmigrate.schema.envelope.OpenedEnvelope;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.keys.KeyContexts;
import io.vmigrate.schema.serde.SingleObjectCodec;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Enrollment against the real secure zone server, with a recording sink in place of Kafka. */
class HostEnrollmentTest {

    @TempDir
    Path dir;

    private static final class RecordingSink implements EnrollmentSink {
        final List<String> topics = new ArrayList<>();
        final List<HostEnrollmentRequested> enrollments = new ArrayList<>();
        final List<SignedEnvelope> registrations = new ArrayList<>();

        @Override
        public void ensureCommandTopic(String hostId) {
            topics.add(hostId);
        }

        @Override
        public void requestEnrollment(HostEnrollmentRequested request) {
            enrollments.add(request);
        }

        @Override
        public void requestRegistration(String vmId, byte[] signedRegistration) {
            SignedEnvelope envelope = ENVELOPES.decode(signedRegistration);
            assertThat(envelope.getVmId()).isEqualTo(vmId);
            registrations.add(envelope);
        }
    }

    private static final SingleObjectCodec<SignedEnvelope> ENVELOPES = SingleObjectCodec.of(SignedEnvelope.class);

    private HostEnrollment enrollment(TestHost host, CommandFeed center, RecordingSink sink, Path agentState)
            throws Exception {
        return enrollment(host, center, sink, agentState, Clock.systemUTC());
    }

    private HostEnrollment enrollment(TestHost host, CommandFeed center, RecordingSink sink, Path agentState, Clock clock)
            throws Exception {
        return enrollment(host, center, sink, agentState, clock, DurableIdSet.open(agentState.resolve("registered-vms")));
    }

    private HostEnrollment enrollment(TestHost host, CommandFeed center, RecordingSink sink, Path agentState, Clock clock,
            DurableIdSet bound) {
        return new HostEnrollment(host.hostId, PublicKeyRecords.toRecord(host.agentKey.publicKey()),
                List.of(PublicKeyRecords.toRecord(center.publicKey())), host.secureZone, host.hypervisor,
                bound, agentState, sink, clock,
                new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(4)));
    }

    /** Opens a registration as the center does: with the zone's signing key the host enrolled. */
    private static VmRegistrationRequested opened(TestHost host, SignedEnvelope registration) throws Exception {
        var zoneKey = host.identity.getSigningKey();
        var verifier = host.suite.verifier(PublicKeyRecords.fromRecord(zoneKey));
        OpenedEnvelope opened = new EnvelopeOpener(keyId -> keyId.equals(zoneKey.getKeyId()) ? Optional.of(verifier)
                : Optional.empty(), Clock.systemUTC(), Duration.ZERO).open(registration);
        assertThat(registration.getMessageType()).isEqualTo(MessageType.VM_REGISTRATION_REQUESTED);
        assertThat(registration.getHostId()).isEqualTo(host.hostId);
        assertThat(registration.getMigrationId()).isEqualTo(KeyContexts.registrationMigrationId(registration.getVmId()));
        return opened.body(VmRegistrationRequested.class);
    }

    @Test
    void enrollsOnceWithAProofAndRegistersEachVmOnce() throws Exception {
        CommandFeed center = new CommandFeed(CryptoSuites.get(Suite.INTL));
        try (TestHost host = new TestHost("h1", center.crypto(), dir.resolve("hv"), dir.resolve("h1"), center.publicKey())) {
            host.hypervisor.defineVm("vm-1", "web", new byte[] {1, 2});
            host.hypervisor.defineVm("vm-2", "db", new byte[] {3});
            Path agentState = dir.resolve("h1/agent");
            RecordingSink sink = new RecordingSink();

            enrollment(host, center, sink, agentState).enroll();

            assertThat(sink.topics).containsExactly("h1");
            HostEnrollmentRequested request = sink.enrollments.get(0);
            assertThat(request.getHostId()).isEqualTo("h1");
            assertThat(request.getAgentKey().getKeyId()).isEqualTo(host.agentKey.keyId().toString());
            // The proof verifies under the secure zone's signing key, as the center will check it.
            host.suite.verifier(PublicKeyRecords.fromRecord(request.getSecureZoneSigningKey())).verify(
                    SignatureBlob.parse(ByteBuffers.toArray(request.getProof())),
                    EnrollmentProof.signingInput("h1", request.getSecureZoneSigningKey(),
                            request.getSecureZoneEncapsulationKey(), request.getAgentKey()),
                    EnrollmentProof.context("h1"));
            List<String> asked = new ArrayList<>();
            for (SignedEnvelope registration : sink.registrations) {
                VmRegistrationRequested body = opened(host, registration);
                asked.add(body.getVmId() + ":" + body.getVmName() + "@" + body.getHostId());
            }
            assertThat(asked).containsExactly("vm-1:web@h1", "vm-2:db@h1");

            // A restart does not enroll again; it asks again for the VMs not bound here (vm-1's epoch-0 key
            // arrived meanwhile) and registers a VM that appeared meanwhile.
            DurableIdSet.open(agentState.resolve("registered-vms")).add("vm-1");
            host.hypervisor.defineVm("vm-3", "cache", new byte[] {4});
            RecordingSink afterRestart = new RecordingSink();
            enrollment(host, center, afterRestart, agentState).enroll();
            assertThat(afterRestart.enrollments).isEmpty();
            assertThat(afterRestart.registrations).extracting(SignedEnvelope::getVmId).containsExactly("vm-2", "vm-3");
        }
    }

    @Test
    void aRegistrationNotAnsweredIsAskedAgainBackingOffUntilTheVmsKeyArrives() throws Exception {
        CommandFeed center = new CommandFeed(CryptoSuites.get(Suite.INTL));
        try (TestHost host = new TestHost("h1", center.crypto(), dir.resolve("hv"), dir.resolve("h1"), center.publicKey())) {
            host.hypervisor.defineVm("vm-1", "web", new byte[] {1, 2});
            Path agentState = dir.resolve("h1/agent");
            RecordingSink sink = new RecordingSink();
            Instant[] now = {Instant.parse("2030-01-01T00:00:00Z")};
            Clock clock = new Clock() {
                @Override
                public java.time.ZoneId getZone() {
                    return java.time.ZoneOffset.UTC;
                }

                @Override
                public Clock withZone(java.time.ZoneId zone) {
                    return this;
                }

                @Override
                public Instant instant() {
                    return now[0];
                }
            };
            DurableIdSet bound = DurableIdSet.open(agentState.resolve("registered-vms"));
            HostEnrollment enrollment = enrollment(host, center, sink, agentState, clock, bound);
            enrollment.enroll();
            assertThat(sink.registrations).hasSize(1);

            enrollment.askAgainForUnansweredRegistrations();
            assertThat(sink.registrations).as("not before the first wait").hasSize(1);
            now[0] = now[0].plusSeconds(1);
            enrollment.askAgainForUnansweredRegistrations();
            assertThat(sink.registrations).hasSize(2);
            now[0] = now[0].plusSeconds(1);
            enrollment.askAgainForUnansweredRegistrations();
            assertThat(sink.registrations).as("the wait doubles").hasSize(2);
            now[0] = now[0].plusSeconds(1);
            enrollment.askAgainForUnansweredRegistrations();
            assertThat(sink.registrations).hasSize(3);
            assertThat(opened(host, sink.registrations.get(2)).getVmId()).isEqualTo("vm-1");

            // Once the epoch-0 key is installed here (the command handler adds the VM), it is asked about no more.
            bound.add("vm-1");
            now[0] = now[0].plusSeconds(60);
            enrollment.askAgainForUnansweredRegistrations();
            enrollment.registerUnknownVms();
            assertThat(sink.registrations).hasSize(3);
        }
    }

    @Test
    void aSecureZonePinnedToAnotherAgentKeyStopsTheAgent() throws Exception {
        CommandFeed center = new CommandFeed(CryptoSuites.get(Suite.INTL));
        try (TestHost host = new TestHost("h1", center.crypto(), dir.resolve("hv"), dir.resolve("h1"), center.publicKey())) {
            var otherAgentKey = host.suite.generateSigningKey();
            var enrollment = new HostEnrollment("h1", PublicKeyRecords.toRecord(otherAgentKey.publicKey()),
                    List.of(PublicKeyRecords.toRecord(center.publicKey())), host.secureZone, host.hypervisor,
                    DurableIdSet.open(dir.resolve("r")), dir, new RecordingSink(), Clock.systemUTC(),
                    new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1)));

            assertThatThrownBy(enrollment::enroll).isInstanceOf(AgentFatalException.class);
        }
    }

    @Test
    void aProvisioningStatementFromItsFileTravelsWithTheEnrollmentAndANewOneEnrollsAgain() throws Exception {
        CommandFeed center = new CommandFeed(CryptoSuites.get(Suite.INTL));
        try (TestHost host = new TestHost("h1", center.crypto(), dir.resolve("hv"), dir.resolve("h1"), center.publicKey())) {
            Path agentState = dir.resolve("h1/agent");
            RecordingSink pendingSink = new RecordingSink();
            enrollment(host, center, pendingSink, agentState).enroll();
            String fingerprint = pendingSink.enrollments.get(0).getSecureZoneSigningKey().getKeyId();
            assertThat(pendingSink.enrollments.get(0).getProvisioningStatement()).isNull();

            var ca = CryptoSuites.get(Suite.INTL).generateSigningKey();
            java.time.Instant now = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
            var issued = io.vmigrate.schema.registry.ProvisioningStatements.issue(CryptoSuites.get(Suite.INTL).signer(ca),
                    "h1", fingerprint, now, now.plus(java.time.Duration.ofDays(30)));
            Path file = dir.resolve("h1.provisioning");
            io.vmigrate.schema.registry.ProvisioningStatementFile.write(file, issued);
            RecordingSink provisionedSink = new RecordingSink();
            enrollment(host, center, provisionedSink, agentState)
                    .presenting(java.util.Optional.of(io.vmigrate.schema.registry.ProvisioningStatementFile.read(file))).enroll();

            assertThat(provisionedSink.enrollments).singleElement()
                    .satisfies(request -> assertThat(request.getProvisioningStatement()).isEqualTo(issued));
        }
    }
}
