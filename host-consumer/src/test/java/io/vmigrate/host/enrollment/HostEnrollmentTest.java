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
import java.nio.file.Path;
import java.time.Clock;
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
        final List<VmRegistrationRequested> registrations = new ArrayList<>();

        @Override
        public void ensureCommandTopic(String hostId) {
            topics.add(hostId);
        }

        @Override
        public void requestEnrollment(HostEnrollmentRequested request) {
            enrollments.add(request);
        }

        @Override
        public void requestRegistration(VmRegistrationRequested request) {
            registrations.add(request);
        }
    }

    private HostEnrollment enrollment(TestHost host, CommandFeed center, RecordingSink sink, Path agentState)
            throws Exception {
        return new HostEnrollment(host.hostId, PublicKeyRecords.toRecord(host.agentKey.publicKey()),
                List.of(PublicKeyRecords.toRecord(center.publicKey())), host.secureZone, host.hypervisor,
                DurableIdSet.open(agentState.resolve("registered-vms")), agentState, sink, Clock.systemUTC());
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
            assertThat(sink.registrations).extracting(r -> r.getVmId() + ":" + r.getVmName() + "@" + r.getHostId())
                    .containsExactly("vm-1:web@h1", "vm-2:db@h1");

            // A restart asks for nothing again, but registers a VM that appeared meanwhile.
            host.hypervisor.defineVm("vm-3", "cache", new byte[] {4});
            RecordingSink afterRestart = new RecordingSink();
            enrollment(host, center, afterRestart, agentState).enroll();
            assertThat(afterRestart.enrollments).isEmpty();
            assertThat(afterRestart.registrations).extracting(VmRegistrationRequested::getVmId).containsExactly("vm-3");
        }
    }

    @Test
    void aSecureZonePinnedToAnotherAgentKeyStopsTheAgent() throws Exception {
        CommandFeed center = new CommandFeed(CryptoSuites.get(Suite.INTL));
        try (TestHost host = new TestHost("h1", center.crypto(), dir.resolve("hv"), dir.resolve("h1"), center.publicKey())) {
            var otherAgentKey = host.suite.generateSigningKey();
            var enrollment = new HostEnrollment("h1", PublicKeyRecords.toRecord(otherAgentKey.publicKey()),
                    List.of(PublicKeyRecords.toRecord(center.publicKey())), host.secureZone, host.hypervisor,
                    DurableIdSet.open(dir.resolve("r")), dir, new RecordingSink(), Clock.systemUTC());

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
