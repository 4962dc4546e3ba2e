package io.vmigrate.host.enrollment;

import io.vmigrate.host.AgentFatalException;
import io.vmigrate.host.hypervisor.HypervisorPort;
import io.vmigrate.host.hypervisor.VmInfo;
import io.vmigrate.host.hypervisor.VmState;
import io.vmigrate.common.io.AtomicFiles;
import io.vmigrate.securezone.client.SecureZonePort;
import io.vmigrate.host.store.DurableIdSet;
import io.vmigrate.schema.common.PublicKeyRecord;
import io.vmigrate.schema.inventory.VmRegistrationRequested;
import io.vmigrate.schema.registry.HostEnrollmentRequested;
import io.vmigrate.schema.securezone.SecureZoneIdentity;
import io.vmigrate.schema.securezone.SecureZoneOutcome;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import io.vmigrate.common.retry.Backoff;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.schema.serde.SingleObjectCodec;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import io.vmigrate.schema.registry.ProvisioningStatement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enrolls this host, idempotently at every start (ARCHITECTURE.md, "Enrollment"): pins the agent
 * key and the center key in the secure zone, creates the command topic, asks the center to enroll the
 * host with the secure zone's proof of possession, and asks it to register every VM on this host that
 * is not bound here yet, in registrations its secure zone signs. The enrollment asked for is remembered
 * under the state dir, so a restart does not ask again; a registration is asked again until answered.
 */
public final class HostEnrollment {

    static final String ENROLLMENT_MARKER = "enrollment-requested";
    /** A registration acts on no binding: the VM has none yet. */
    static final long NO_BINDING_EPOCH = -1;
    private static final SingleObjectCodec<VmRegistrationRequested> REGISTRATIONS =
            SingleObjectCodec.of(VmRegistrationRequested.class);

    private static final Logger LOG = LoggerFactory.getLogger(HostEnrollment.class);

    private final String hostId;
    private final PublicKeyRecord agentKey;
    private final List<PublicKeyRecord> centerKeys;
    private final SecureZonePort secureZone;
    private final HypervisorPort hypervisor;
    private final DurableIdSet registrations;
    private final Path stateDir;
    private final EnrollmentSink sink;
    private final Clock clock;
    private Optional<ProvisioningStatement> provisioningStatement = Optional.empty();
    private final Backoff registrationRetry;
    /** VM id → name of the VMs asked about in this run whose epoch-0 key has not arrived yet. */
    private final Map<String, String> unanswered = new LinkedHashMap<>();
    private Instant nextRegistrationRetry = Instant.MIN;

    /**
     * {@code registrations} holds the VMs bound here (epoch-0 key installed, or arrived by migration);
     * {@code registrationRetry} paces the requests asked again for VMs still unbound.
     */
    public HostEnrollment(String hostId, PublicKeyRecord agentKey, List<PublicKeyRecord> centerKeys,
            SecureZonePort secureZone, HypervisorPort hypervisor, DurableIdSet registrations, Path stateDir,
            EnrollmentSink sink, Clock clock, Backoff registrationRetry) {
        this.hostId = Objects.requireNonNull(hostId, "hostId");
        this.agentKey = Objects.requireNonNull(agentKey, "agentKey");
        this.centerKeys = List.copyOf(centerKeys);
        this.secureZone = Objects.requireNonNull(secureZone, "secureZone");
        this.hypervisor = Objects.requireNonNull(hypervisor, "hypervisor");
        this.registrations = Objects.requireNonNull(registrations, "registrations");
        this.stateDir = Objects.requireNonNull(stateDir, "stateDir");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.registrationRetry = Objects.requireNonNull(registrationRetry, "registrationRetry");
    }

    /** Presents a provisioning CA's statement with the enrollment request, so a center that trusts the CA approves at once. */
    public HostEnrollment presenting(Optional<ProvisioningStatement> statement) {
        this.provisioningStatement = Objects.requireNonNull(statement, "statement");
        return this;
    }

    /**
     * Runs every enrollment step that is not done yet and returns the secure zone's identity.
     *
     * @throws IOException the secure zone or the disk is unavailable: try again
     * @throws AgentFatalException the secure zone has other keys pinned, or no proof to offer
     */
    public SecureZoneIdentity enroll() throws IOException {
        SecureZoneResponse provisioned = secureZone.provision(agentKey, centerKeys);
        if (provisioned.getOutcome() == SecureZoneOutcome.REFUSED) {
            throw new AgentFatalException("secure zone of host " + hostId + " refused to pin agent key "
                    + agentKey.getKeyId() + ": " + provisioned.getReason() + " " + provisioned.getDetail());
        }
        sink.ensureCommandTopic(hostId);
        SecureZoneIdentity identity = identity();
        requestEnrollmentOnce(identity);
        registerUnknownVms();
        return identity;
    }

    private SecureZoneIdentity identity() throws IOException {
        SecureZoneResponse response = secureZone.identity();
        SecureZoneIdentity identity = response.getIdentity();
        if (response.getOutcome() == SecureZoneOutcome.REFUSED || identity == null) {
            throw new AgentFatalException("secure zone of host " + hostId + " gives no identity: "
                    + response.getReason() + " " + response.getDetail());
        }
        if (!hostId.equals(identity.getHostId())) {
            throw new AgentFatalException("secure zone at this socket belongs to host " + identity.getHostId()
                    + ", not " + hostId);
        }
        if (identity.getEnrollmentProof() == null) {
            throw new AgentFatalException("secure zone of host " + hostId + " is not provisioned after Provision");
        }
        return identity;
    }

    private void requestEnrollmentOnce(SecureZoneIdentity identity) throws IOException {
        // The marker names the keys enrolled: a secure zone with new keys (e.g. rebuilt) enrolls again;
        // so does a host given a (new) provisioning statement while it waits for approval.
        String enrolledKeys = identity.getSigningKey().getKeyId() + " " + identity.getEncapsulationKey().getKeyId()
                + " " + agentKey.getKeyId() + provisioningStatement.map(s -> " provisioned-by " + s.getCaKeyId() + " "
                        + s.getIssuedAt().toEpochMilli()).orElse("") + "\n";
        Path marker = stateDir.resolve(ENROLLMENT_MARKER);
        if (Files.exists(marker) && Files.readString(marker, StandardCharsets.UTF_8).equals(enrolledKeys)) {
            LOG.info("host {} already asked to be enrolled with these keys", hostId);
            return;
        }
        sink.requestEnrollment(HostEnrollmentRequested.newBuilder()
                .setHostId(hostId)
                .setSecureZoneSigningKey(identity.getSigningKey())
                .setSecureZoneEncapsulationKey(identity.getEncapsulationKey())
                .setAgentKey(agentKey)
                .setRequestedAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                .setProof(identity.getEnrollmentProof())
                .setProvisioningStatement(provisioningStatement.orElse(null))
                .build());
        AtomicFiles.write(marker, enrolledKeys.getBytes(StandardCharsets.UTF_8));
        LOG.info("host {} asked to be enrolled: secure-zone signing key {}{}", hostId, identity.getSigningKey().getKeyId(),
                provisioningStatement.map(s -> ", presenting a statement of provisioning CA " + s.getCaKeyId()).orElse(""));
    }

    /**
     * Asks the center to register every running VM of this host it has not bound here and that was not
     * asked about in this run: the VMs found at enrollment, and later those created here since (see
     * {@code HostAgent#registerNewVms}). Each request is a VM_REGISTRATION_REQUESTED envelope signed by
     * this host's secure zone; a VM counts as registered once its epoch-0 key was installed here.
     */
    public void registerUnknownVms() throws IOException {
        for (VmInfo vm : hypervisor.list()) {
            if (vm.state() != VmState.RUNNING || registrations.contains(vm.vmId()) || unanswered.containsKey(vm.vmId())) {
                continue;
            }
            unanswered.put(vm.vmId(), vm.name());
            askToRegister(vm.vmId(), vm.name());
            registrationRetry.reset();
            nextRegistrationRetry = clock.instant().plus(registrationRetry.next());
        }
    }

    /**
     * Asks again, backing off, for the VMs asked about whose epoch-0 key has not arrived. The center
     * refuses the registrations of a host it has not approved, and may read the first one before the
     * approval it just published: an unanswered registration is not a final one.
     */
    public void askAgainForUnansweredRegistrations() throws IOException {
        unanswered.keySet().removeIf(registrations::contains);
        if (unanswered.isEmpty() || clock.instant().isBefore(nextRegistrationRetry)) {
            return;
        }
        for (Map.Entry<String, String> vm : Map.copyOf(unanswered).entrySet()) {
            askToRegister(vm.getKey(), vm.getValue());
        }
        nextRegistrationRetry = clock.instant().plus(registrationRetry.next());
    }

    private void askToRegister(String vmId, String vmName) throws IOException {
        VmRegistrationRequested registration = VmRegistrationRequested.newBuilder()
                .setVmId(vmId)
                .setHostId(hostId)
                .setVmName(vmName)
                .setRequestedAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                .setRequestedBy("host-agent/" + hostId)
                .build();
        SecureZoneResponse signed = secureZone.signReply(MessageType.VM_REGISTRATION_REQUESTED,
                REGISTRATIONS.encode(registration), NO_BINDING_EPOCH);
        if (signed.getOutcome() == SecureZoneOutcome.REFUSED || signed.getSignedReply() == null) {
            // Asked again at the next retry; the zone refuses only a registration naming another host.
            LOG.warn("host {}: secure zone will not sign the registration of VM {}: {} {}", hostId, vmId,
                    signed.getReason(), signed.getDetail());
            return;
        }
        sink.requestRegistration(vmId, ByteBuffers.toArray(signed.getSignedReply()));
        LOG.info("host {} asked to register VM {}", hostId, vmId);
    }
}
