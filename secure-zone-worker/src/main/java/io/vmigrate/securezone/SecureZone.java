package io.vmigrate.securezone;

import io.vmigrate.schema.command.AbortMigration;
import io.vmigrate.schema.command.DeliverVmKey;
import io.vmigrate.schema.command.DeregisterVm;
import io.vmigrate.schema.command.ForwardedVmAttestation;
import io.vmigrate.schema.common.Binding;
import io.vmigrate.schema.common.Direction;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.PublicKeyRecord;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.Addressing;
import io.vmigrate.schema.envelope.EnvelopeOpener;
import io.vmigrate.schema.envelope.EnvelopeRefusedException;
import io.vmigrate.schema.envelope.EnvelopeSealer;
import io.vmigrate.schema.envelope.OpenedEnvelope;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.keys.KeyContexts;
import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.registry.EnrollmentProof;
import io.vmigrate.schema.reply.AbortAcknowledged;
import io.vmigrate.schema.reply.CommandRefused;
import io.vmigrate.schema.reply.KeyInstallOutcome;
import io.vmigrate.schema.reply.KeyInstallReply;
import io.vmigrate.schema.reply.MigrationCompleted;
import io.vmigrate.schema.reply.TargetVmCreated;
import io.vmigrate.schema.reply.VmAttestation;
import io.vmigrate.schema.reply.VmDeregistered;
import io.vmigrate.schema.securezone.Abort;
import io.vmigrate.schema.securezone.AttestVm;
import io.vmigrate.schema.securezone.CheckAttestation;
import io.vmigrate.schema.securezone.Deregister;
import io.vmigrate.schema.securezone.InstallVmKey;
import io.vmigrate.schema.securezone.OpenCommand;
import io.vmigrate.schema.securezone.Provision;
import io.vmigrate.schema.securezone.ReportCompletion;
import io.vmigrate.schema.securezone.SecureZoneIdentity;
import io.vmigrate.schema.securezone.SecureZoneOperationType;
import io.vmigrate.schema.securezone.SecureZoneOutcome;
import io.vmigrate.schema.securezone.SecureZoneRequest;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import io.vmigrate.schema.securezone.SignReply;
import io.vmigrate.schema.securezone.VerifiedCommand;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.securezone.ZoneState.KeyInstalled;
import io.vmigrate.securezone.ZoneState.MigrationVm;
import io.vmigrate.securezone.ZoneState.Pins;
import io.vmigrate.securezone.ZoneState.ReplayEntry;
import io.vmigrate.securezone.protocol.Operations;
import io.vmigrate.securezone.protocol.RelaySigningInput;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.DecryptionRefusedException;
import io.vmigrate.trust.KeyPurpose;
import io.vmigrate.trust.MalformedBlobException;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.SealedKeyStoreException;
import io.vmigrate.trust.SecretBytes;
import io.vmigrate.trust.SecretKeyAccess;
import io.vmigrate.trust.SignatureBlob;
import io.vmigrate.trust.SignatureRefusedException;
import io.vmigrate.trust.UnwrapRefusedException;
import io.vmigrate.trust.Verifier;
import io.vmigrate.trust.WrappedKey;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The secure zone's logic: authenticates each relayed request against the pinned agent key, checks
 * center commands, keeps the vTCM store, replay cache and migration facts, and signs replies.
 * One request at a time (synchronized): each is one state transition, made durable before the
 * answer is returned.
 */
final class SecureZone implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SecureZone.class);
    private static final SingleObjectCodec<SignedEnvelope> ENVELOPES = SingleObjectCodec.of(SignedEnvelope.class);
    private static final SingleObjectCodec<DeliverVmKey> DELIVERIES = SingleObjectCodec.of(DeliverVmKey.class);
    private static final SingleObjectCodec<TargetVmCreated> TARGETS_CREATED = SingleObjectCodec.of(TargetVmCreated.class);
    private static final SingleObjectCodec<CommandRefused> REFUSALS = SingleObjectCodec.of(CommandRefused.class);
    /**
     * Replay-cache entries outlive their command's expiry by this much, so a wall clock stepped back
     * (e.g. across a restart) cannot make a forgotten command look fresh again.
     */
    private static final Duration REPLAY_RETENTION_MARGIN = Duration.ofDays(1);

    private final String hostId;
    private final CryptoSuite crypto;
    private final Clock clock;
    private final ZoneKeys keys;
    private final ZoneStateFile stateFile;
    private final EnvelopeSealer sealer;
    private final EnvelopeOpener opener;
    private final PublicKeyRecord signingKeyRecord;
    private final PublicKeyRecord encapsulationKeyRecord;
    /** Unsealed VM keys, by VM id; destroyed (zeroized) when removed from the vTCM store. */
    private final Map<String, PrivateKeyHandle> vmKeys = new HashMap<>();
    private final Duration replayRetention;

    private ZoneState state;
    private Map<String, Verifier> centerVerifiers = Map.of();
    private Verifier agentVerifier;
    private byte[] enrollmentProof;
    private boolean closed;

    private SecureZone(String hostId, CryptoSuite crypto, Clock clock, Duration replyTtl, Duration skew, ZoneKeys keys,
            ZoneStateFile stateFile, ZoneState state) {
        this.hostId = hostId;
        this.crypto = crypto;
        this.clock = clock;
        this.keys = keys;
        this.stateFile = stateFile;
        this.state = state;
        this.sealer = new EnvelopeSealer(crypto.signer(keys.signingKey()), clock, replyTtl);
        this.opener = new EnvelopeOpener(keyId -> Optional.ofNullable(centerVerifiers.get(keyId)), clock, skew);
        this.signingKeyRecord = PublicKeyRecords.toRecord(keys.signingKey().publicKey());
        this.encapsulationKeyRecord = PublicKeyRecords.toRecord(keys.encapsulationKey().publicKey());
        this.replayRetention = skew.plus(REPLAY_RETENTION_MARGIN);
    }

    /** Opens the zone's state dir (creating keys and an empty state on first start). */
    static SecureZone open(String hostId, CryptoSuite crypto, Path stateDir, char[] password, Clock clock,
            Duration replyTtl, Duration skew) throws IOException {
        Files.createDirectories(stateDir);
        Files.setPosixFilePermissions(stateDir, PosixFilePermissions.fromString("rwx------"));
        ZoneKeys keys;
        try {
            keys = ZoneKeys.openOrGenerate(stateDir, password, crypto);
        } catch (SealedKeyStoreException e) {
            throw new IOException("cannot open the secure zone's sealed keys in " + stateDir + ": " + e.getMessage(), e);
        }
        try {
            ZoneStateFile stateFile = new ZoneStateFile(stateDir, crypto.suite(), hostId);
            Optional<ZoneState> stored = stateFile.read();
            ZoneState state = stored.orElseGet(ZoneState::new);
            if (stored.isEmpty()) {
                stateFile.write(state);
            }
            SecureZone zone = new SecureZone(hostId, crypto, clock, replyTtl, skew, keys, stateFile, state);
            zone.loadVmKeys();
            zone.derivePins();
            LOG.info("secure zone of host {} opened {}: signing key {}, encapsulation key {}, {} VM key(s), provisioned {}",
                    hostId, stateDir, zone.signingKeyRecord.getKeyId(), zone.encapsulationKeyRecord.getKeyId(),
                    state.installedByVm.size(), zone.agentVerifier != null);
            return zone;
        } catch (IOException | RuntimeException e) {
            keys.close();
            throw e;
        }
    }

    synchronized boolean provisioned() {
        return agentVerifier != null;
    }

    String hostId() {
        return hostId;
    }

    /** Serves one request of a connection whose challenge is {@code challenge}; the caller checked the sequence. */
    synchronized SecureZoneResponse handle(byte[] challenge, SecureZoneRequest request) {
        long sequence = request.getSequence();
        SecureZoneOperationType type = request.getOperationType();
        if (closed) {
            return refused(sequence, RefusalReason.INTERNAL_ERROR, "secure zone is shutting down").build();
        }
        byte[] operationBytes = ByteBuffers.toArray(request.getOperation());
        byte[] signature = ByteBuffers.toArray(request.getAgentSignature());
        try {
            if (agentVerifier == null) {
                if (type != SecureZoneOperationType.PROVISION && type != SecureZoneOperationType.GET_IDENTITY) {
                    throw new Refusal(RefusalReason.AGENT_NOT_AUTHENTICATED,
                            "not provisioned: only PROVISION and GET_IDENTITY are served");
                }
            } else {
                verifyAgent(agentVerifier, challenge, sequence, operationBytes, signature);
            }
            SpecificRecord operation;
            try {
                operation = Operations.decode(type, operationBytes);
            } catch (SingleObjectCodec.CodecException e) {
                throw new Refusal(RefusalReason.MALFORMED, "operation is not a " + type + ": " + e.getMessage());
            }
            return dispatch(sequence, type, operation, new Relay(challenge, operationBytes, signature));
        } catch (Refusal refusal) {
            LOG.warn("host {}: refused {} request #{}: {}", hostId, type, sequence, refusal.getMessage());
            return refused(sequence, refusal.reason(), refusal.detail()).build();
        } catch (IOException | RuntimeException e) {
            LOG.error("host {}: {} request #{} failed", hostId, type, sequence, e);
            return refused(sequence, RefusalReason.INTERNAL_ERROR, type + " failed inside the secure zone").build();
        }
    }

    /** What the agent signed a request over, kept for a first PROVISION's proof of possession. */
    private record Relay(byte[] challenge, byte[] operation, byte[] signature) {}

    private SecureZoneResponse dispatch(long sequence, SecureZoneOperationType type, SpecificRecord operation, Relay relay)
            throws Refusal, IOException {
        switch (type) {
            case PROVISION:
                return provision(sequence, (Provision) operation, relay);
            case GET_IDENTITY:
                return ok(sequence).setIdentity(identity()).build();
            case OPEN_COMMAND:
                return command(sequence, ((OpenCommand) operation).getEnvelope(),
                        EnumSet.of(MessageType.MIGRATE_OUT, MessageType.CREATE_TARGET_VM), false, this::verifyCommand);
            case INSTALL_VM_KEY:
                return command(sequence, ((InstallVmKey) operation).getEnvelope(), EnumSet.of(MessageType.DELIVER_VM_KEY),
                        true, this::installVmKey);
            case ATTEST_VM:
                return attestVm(sequence, (AttestVm) operation);
            case CHECK_ATTESTATION: {
                CheckAttestation check = (CheckAttestation) operation;
                return command(sequence, check.getEnvelope(), EnumSet.of(MessageType.FORWARDED_VM_ATTESTATION), false,
                        (opened, tx) -> checkAttestation(opened, tx, check));
            }
            case REPORT_COMPLETION:
                return reportCompletion(sequence, (ReportCompletion) operation);
            case DEREGISTER:
                return command(sequence, ((Deregister) operation).getEnvelope(), EnumSet.of(MessageType.DEREGISTER_VM),
                        false, this::deregister);
            case ABORT: {
                Abort abort = (Abort) operation;
                return command(sequence, abort.getEnvelope(), EnumSet.of(MessageType.ABORT_MIGRATION), false,
                        (opened, tx) -> abort(opened, tx, abort.getTargetVmDestroyed()));
            }
            case SIGN_REPLY:
                return signReply(sequence, (SignReply) operation);
            default:
                throw new Refusal(RefusalReason.MALFORMED, "unknown operation " + type);
        }
    }

    // ---- agent authentication and provisioning ----

    private void verifyAgent(Verifier verifier, byte[] challenge, long sequence, byte[] operation, byte[] signature)
            throws Refusal {
        if (signature.length == 0) {
            throw new Refusal(RefusalReason.AGENT_NOT_AUTHENTICATED, "request is not signed by the agent key");
        }
        try {
            verifier.verify(SignatureBlob.parse(signature), RelaySigningInput.of(challenge, sequence, operation, crypto.digest()),
                    RelaySigningInput.context(hostId));
        } catch (MalformedBlobException | SignatureRefusedException e) {
            throw new Refusal(RefusalReason.AGENT_NOT_AUTHENTICATED,
                    "agent signature does not verify under agent key " + verifier.keyId() + " for this session and sequence");
        }
    }

    private SecureZoneResponse provision(long sequence, Provision provision, Relay relay) throws Refusal, IOException {
        PublicKeyHandle agentKey = pinnableKey(provision.getAgentKey(), "agent key");
        Map<String, PublicKeyHandle> centerKeys = new LinkedHashMap<>();
        for (PublicKeyRecord record : provision.getCenterKeys()) {
            PublicKeyHandle key = pinnableKey(record, "center key");
            centerKeys.put(key.keyId().toString(), key);
        }
        if (centerKeys.isEmpty()) {
            throw new Refusal(RefusalReason.MALFORMED, "PROVISION names no center key");
        }
        Optional<Pins> pinned = state.pins();
        if (pinned.isPresent()) {
            Set<String> pinnedCenterIds = pinned.get().centerKeys().stream().map(k -> k.keyId().toString())
                    .collect(Collectors.toSet());
            if (pinned.get().agentKey().equals(agentKey) && pinnedCenterIds.equals(centerKeys.keySet())) {
                return ok(sequence).setIdentity(identity()).build();
            }
            throw new Refusal(RefusalReason.AGENT_NOT_AUTHENTICATED, "already provisioned with other keys");
        }
        if (relay.signature().length > 0) {
            // A signed first PROVISION proves the agent holds the key it asks to pin.
            verifyAgent(crypto.verifier(agentKey), relay.challenge(), sequence, relay.operation(), relay.signature());
        }
        Transition tx = new Transition(state.copy());
        tx.next.pin(new Pins(agentKey, List.copyOf(centerKeys.values())));
        commit(tx);
        LOG.info("host {}: provisioned; pinned agent key {} and center key(s) {}", hostId, agentKey.keyId(), centerKeys.keySet());
        return ok(sequence).setIdentity(identity()).build();
    }

    private PublicKeyHandle pinnableKey(PublicKeyRecord record, String what) throws Refusal {
        PublicKeyHandle key;
        try {
            key = PublicKeyRecords.fromRecord(record);
        } catch (IllegalArgumentException e) {
            throw new Refusal(RefusalReason.MALFORMED, what + " is not a valid public key: " + e.getMessage());
        }
        if (key.suite() != crypto.suite() || key.purpose() != KeyPurpose.SIGNING) {
            throw new Refusal(RefusalReason.MALFORMED,
                    what + " " + key.keyId() + " is a " + key.suite() + " " + key.purpose() + " key, need " + crypto.suite() + " SIGNING");
        }
        return key;
    }

    private SecureZoneIdentity identity() {
        Optional<Pins> pins = state.pins();
        return SecureZoneIdentity.newBuilder()
                .setHostId(hostId)
                .setSigningKey(signingKeyRecord)
                .setEncapsulationKey(encapsulationKeyRecord)
                .setAgentKeyId(pins.map(p -> p.agentKey().keyId().toString()).orElse(null))
                .setCenterKeyIds(pins.map(p -> p.centerKeys().stream().map(k -> k.keyId().toString()).collect(Collectors.toList()))
                        .orElse(List.of()))
                .setEnrollmentProof(enrollmentProof == null ? null : ByteBuffer.wrap(enrollmentProof.clone()))
                .build();
    }

    // ---- center commands ----

    /** What one verified, fresh command does to the next state; returns the signed reply, if any. */
    @FunctionalInterface
    private interface CommandAction {
        byte[] apply(OpenedEnvelope command, Transition tx) throws Refusal;
    }

    /**
     * The checks every command passes, in order, then its action: decodes (MALFORMED); opens with
     * the pinned center keys; travels center to host; names this host (WRONG_HOST); is of a type the
     * operation expects (MALFORMED); was not acted on before (else DUPLICATE with the reply then).
     */
    private SecureZoneResponse command(long sequence, ByteBuffer envelopeBytes, Set<MessageType> expected,
            boolean keyInstallReplies, CommandAction action) throws IOException {
        SignedEnvelope envelope = null;
        try {
            try {
                envelope = ENVELOPES.decode(ByteBuffers.toArray(envelopeBytes));
            } catch (SingleObjectCodec.CodecException e) {
                throw new Refusal(RefusalReason.MALFORMED, "command envelope does not decode: " + e.getMessage());
            }
            OpenedEnvelope opened;
            try {
                opened = opener.open(envelope);
            } catch (EnvelopeRefusedException e) {
                String prefix = e.reason() + ": ";
                String detail = e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length()) : e.getMessage();
                throw new Refusal(e.reason(), detail);
            }
            if (envelope.getDirection() != Direction.CENTER_TO_HOST) {
                throw new Refusal(RefusalReason.MALFORMED, "envelope " + envelope.getMessageId() + " is not a command");
            }
            if (!hostId.equals(envelope.getHostId())) {
                throw new Refusal(RefusalReason.WRONG_HOST,
                        "command " + envelope.getMessageId() + " is for host " + envelope.getHostId() + ", this is " + hostId);
            }
            if (!expected.contains(envelope.getMessageType())) {
                throw new Refusal(RefusalReason.MALFORMED, "command " + envelope.getMessageId() + " is a "
                        + envelope.getMessageType() + ", this operation takes " + expected);
            }
            ReplayEntry prior = state.replayByMessageId.get(envelope.getMessageId());
            if (prior != null) {
                LOG.info("host {}: command {} ({}, migration {}) was already carried out; answering with the reply then",
                        hostId, envelope.getMessageId(), envelope.getMessageType(), envelope.getMigrationId());
                return response(sequence, SecureZoneOutcome.DUPLICATE)
                        .setSignedReply(prior.signedReply() == null ? null : ByteBuffer.wrap(prior.signedReply()))
                        .setVerifiedCommand(verified(envelope)).build();
            }
            Transition tx = new Transition(state.copy());
            byte[] reply = action.apply(opened, tx);
            tx.next.replayByMessageId.put(envelope.getMessageId(),
                    new ReplayEntry(envelope.getMessageId(), envelope.getExpiresAt().toEpochMilli(), reply));
            tx.next.pruneReplayCache(clock.instant().minus(replayRetention).toEpochMilli());
            commit(tx);
            LOG.info("host {}: carried out command {} ({}, migration {}, vm {})", hostId, envelope.getMessageId(),
                    envelope.getMessageType(), envelope.getMigrationId(), envelope.getVmId());
            return ok(sequence).setSignedReply(reply == null ? null : ByteBuffer.wrap(reply))
                    .setVerifiedCommand(verified(envelope)).build();
        } catch (Refusal refusal) {
            String messageId = envelope == null ? "(undecodable)" : envelope.getMessageId();
            LOG.warn("host {}: refused command {} (migration {}): {}", hostId, messageId,
                    envelope == null ? "?" : envelope.getMigrationId(), refusal.getMessage());
            byte[] reply = keyInstallReplies ? keyInstallFailed(envelope, refusal) : commandRefused(envelope, expected, refusal);
            return refused(sequence, refusal.reason(), refusal.detail()).setSignedReply(ByteBuffer.wrap(reply)).build();
        }
    }

    private byte[] verifyCommand(OpenedEnvelope opened, Transition tx) throws Refusal {
        SignedEnvelope envelope = opened.envelope();
        MigrationVm pair = new MigrationVm(envelope.getMigrationId(), envelope.getVmId());
        if (envelope.getMessageType() == MessageType.MIGRATE_OUT) {
            InstalledVmKey held = tx.next.installedKey(envelope.getVmId()).orElseThrow(() -> new Refusal(
                    RefusalReason.BINDING_MISMATCH, "this zone holds no key for VM " + envelope.getVmId()));
            if (held.epoch() != envelope.getBindingEpoch()) {
                throw new Refusal(RefusalReason.STALE_EPOCH, "MIGRATE_OUT acts on epoch " + envelope.getBindingEpoch()
                        + ", this zone holds epoch " + held.epoch() + " of VM " + envelope.getVmId());
            }
            tx.next.verifiedMigrateOut.add(pair);
        } else {
            tx.next.verifiedCreateTarget.add(pair);
        }
        return null;
    }

    private byte[] installVmKey(OpenedEnvelope opened, Transition tx) throws Refusal {
        SignedEnvelope envelope = opened.envelope();
        DeliverVmKey delivery = opened.body(DeliverVmKey.class);
        Binding binding = delivery.getBinding();
        String vmId = envelope.getVmId();
        if (!hostId.equals(binding.getHostId())) {
            throw new Refusal(RefusalReason.WRONG_HOST, "binding names host " + binding.getHostId() + ", this is " + hostId);
        }
        if (!vmId.equals(binding.getVmId())) {
            throw new Refusal(RefusalReason.BINDING_MISMATCH, "binding names VM " + binding.getVmId() + ", envelope " + vmId);
        }
        Optional<InstalledVmKey> held = tx.next.installedKey(vmId);
        if (held.isPresent() && held.get().epoch() >= binding.getEpoch()) {
            throw new Refusal(RefusalReason.STALE_EPOCH, "binding epoch " + binding.getEpoch() + " is not newer than held epoch "
                    + held.get().epoch() + " of VM " + vmId);
        }
        PublicKeyHandle vmPublicKey;
        try {
            vmPublicKey = PublicKeyRecords.fromRecord(delivery.getVmPublicKey());
        } catch (IllegalArgumentException e) {
            throw new Refusal(RefusalReason.BINDING_MISMATCH, "VM public key record is invalid: " + e.getMessage());
        }
        PrivateKeyHandle vmKey = unwrap(delivery, envelope.getMigrationId(), vmId);
        try {
            if (!vmKey.publicKey().equals(vmPublicKey)) {
                throw new Refusal(RefusalReason.BINDING_MISMATCH, "delivered private key does not match vmPublicKey "
                        + vmPublicKey.keyId());
            }
            if (!vmKey.keyId().toString().equals(binding.getKeyFingerprint())) {
                throw new Refusal(RefusalReason.BINDING_MISMATCH, "delivered key " + vmKey.keyId()
                        + " is not the binding's key " + binding.getKeyFingerprint());
            }
        } catch (Refusal refusal) {
            vmKey.destroy();
            throw refusal;
        }
        byte[] sealed = VtcmStore.seal(keys.vtcmSealing(), vmKey, vmId, binding.getEpoch());
        String fingerprint = binding.getKeyFingerprint();
        tx.next.installedByVm.put(vmId, new InstalledVmKey(vmId, binding.getEpoch(), fingerprint, envelope.getMigrationId(), sealed));
        tx.next.keyInstalledByMigration.put(envelope.getMigrationId(), new KeyInstalled(vmId, fingerprint, binding.getEpoch()));
        tx.installs.put(vmId, vmKey);
        held.ifPresent(old -> LOG.info("host {}: VM key {} (epoch {}) of VM {} is replaced and destroyed", hostId,
                old.keyFingerprint(), old.epoch(), vmId));
        KeyInstallReply reply = KeyInstallReply.newBuilder()
                .setMigrationId(envelope.getMigrationId()).setVmId(vmId).setHostId(hostId)
                .setOutcome(KeyInstallOutcome.INSTALLED).setKeyFingerprint(fingerprint).setEpoch(binding.getEpoch())
                .build();
        return seal(envelope.getMigrationId(), vmId, envelope.getBindingEpoch(), reply);
    }

    private PrivateKeyHandle unwrap(DeliverVmKey delivery, String migrationId, String vmId) throws Refusal {
        SecretBytes pkcs8;
        try {
            WrappedKey wrapped = WrappedKey.parse(ByteBuffers.toArray(delivery.getWrappedPrivateKey()));
            pkcs8 = crypto.keyUnwrapper(keys.encapsulationKey()).unwrap(wrapped, KeyContexts.deliverVmKey(migrationId, vmId, hostId));
        } catch (MalformedBlobException | UnwrapRefusedException | IllegalArgumentException e) {
            throw new Refusal(RefusalReason.UNWRAP_FAILED, "wrapped VM key does not unwrap with encapsulation key "
                    + keys.encapsulationKey().keyId() + " for this migration, VM and host");
        }
        try {
            return PrivateKeyHandle.importPkcs8(crypto.suite(), KeyPurpose.SIGNING, pkcs8, SecretKeyAccess.insecureSecretAccess());
        } catch (RuntimeException e) {
            throw new Refusal(RefusalReason.UNWRAP_FAILED, "unwrapped bytes are not a " + crypto.suite() + " signing key");
        } finally {
            pkcs8.destroy();
        }
    }

    private byte[] checkAttestation(OpenedEnvelope opened, Transition tx, CheckAttestation check) throws Refusal {
        ForwardedVmAttestation attestation = opened.body(ForwardedVmAttestation.class);
        boolean descriptionMatches = MessageDigest.isEqual(ByteBuffers.toArray(attestation.getDescriptionDigest()),
                ByteBuffers.toArray(check.getReceivedDescriptionDigest()));
        boolean imageMatches = MessageDigest.isEqual(ByteBuffers.toArray(attestation.getImageManifestDigest()),
                ByteBuffers.toArray(check.getReceivedImageManifestDigest()));
        if (!descriptionMatches || !imageMatches) {
            throw new Refusal(RefusalReason.ATTESTATION_MISMATCH, "source attested other digests than received ("
                    + (descriptionMatches ? "" : "description ") + (imageMatches ? "" : "image manifest") + ")");
        }
        tx.next.attestationChecked.add(new MigrationVm(attestation.getMigrationId(), attestation.getVmId()));
        return null;
    }

    private byte[] deregister(OpenedEnvelope opened, Transition tx) throws Refusal {
        SignedEnvelope envelope = opened.envelope();
        DeregisterVm deregister = opened.body(DeregisterVm.class);
        String vmId = envelope.getVmId();
        InstalledVmKey held = tx.next.installedKey(vmId).orElseThrow(() -> new Refusal(RefusalReason.BINDING_MISMATCH,
                "this zone holds no key for VM " + vmId));
        if (held.epoch() >= deregister.getEpoch()) {
            throw new Refusal(RefusalReason.STALE_EPOCH, "deregister epoch " + deregister.getEpoch()
                    + " is not newer than held epoch " + held.epoch() + " of VM " + vmId);
        }
        if (!held.keyFingerprint().equals(deregister.getRetiredKeyFingerprint())) {
            throw new Refusal(RefusalReason.BINDING_MISMATCH, "deregister retires key " + deregister.getRetiredKeyFingerprint()
                    + ", this zone holds " + held.keyFingerprint() + " for VM " + vmId);
        }
        tx.next.installedByVm.remove(vmId);
        tx.destroyed.add(vmId);
        VmDeregistered reply = VmDeregistered.newBuilder()
                .setMigrationId(envelope.getMigrationId()).setVmId(vmId).setHostId(hostId)
                .setEpoch(deregister.getEpoch()).setDestroyedKeyFingerprint(held.keyFingerprint())
                .setDeregisteredAt(clock.instant()).build();
        return seal(envelope.getMigrationId(), vmId, envelope.getBindingEpoch(), reply);
    }

    private byte[] abort(OpenedEnvelope opened, Transition tx, boolean targetVmDestroyed) {
        SignedEnvelope envelope = opened.envelope();
        AbortMigration abort = opened.body(AbortMigration.class);
        String migrationId = envelope.getMigrationId();
        String vmId = envelope.getVmId();
        boolean zeroized = false;
        KeyInstalled installed = tx.next.keyInstalledByMigration.remove(migrationId);
        if (installed != null && installed.vmId().equals(vmId)) {
            Optional<InstalledVmKey> held = tx.next.installedKey(vmId);
            if (held.isPresent() && held.get().keyFingerprint().equals(installed.keyFingerprint())
                    && held.get().migrationId().equals(migrationId)) {
                tx.next.installedByVm.remove(vmId);
                tx.destroyed.add(vmId);
                zeroized = true;
            }
        }
        MigrationVm pair = new MigrationVm(migrationId, vmId);
        tx.next.verifiedMigrateOut.remove(pair);
        tx.next.verifiedCreateTarget.remove(pair);
        tx.next.attestationChecked.remove(pair);
        AbortAcknowledged reply = AbortAcknowledged.newBuilder()
                .setMigrationId(migrationId).setVmId(vmId).setHostId(hostId).setRole(abort.getRole())
                .setTargetVmDestroyed(targetVmDestroyed).setVmKeyZeroized(zeroized).build();
        return seal(migrationId, vmId, envelope.getBindingEpoch(), reply);
    }

    // ---- requests that are not center commands ----

    private SecureZoneResponse attestVm(long sequence, AttestVm attest) throws Refusal, IOException {
        MigrationVm pair = new MigrationVm(attest.getMigrationId(), attest.getVmId());
        if (!state.verifiedMigrateOut.contains(pair)) {
            throw new Refusal(RefusalReason.BINDING_MISMATCH, "no verified MIGRATE_OUT of VM " + attest.getVmId()
                    + " in migration " + attest.getMigrationId());
        }
        long epoch = state.installedKey(attest.getVmId()).map(InstalledVmKey::epoch).orElse(0L);
        VmAttestation attestation = VmAttestation.newBuilder()
                .setMigrationId(attest.getMigrationId()).setVmId(attest.getVmId()).setHostId(hostId)
                .setDescriptionDigest(attest.getDescriptionDigest()).setImageManifestDigest(attest.getImageManifestDigest())
                .setAttestedAt(clock.instant()).build();
        byte[] reply = signedOnce(MessageType.VM_ATTESTATION, attest.getMigrationId(), attest.getVmId(), epoch, attestation);
        LOG.info("host {}: attested VM {} for migration {}", hostId, attest.getVmId(), attest.getMigrationId());
        return ok(sequence).setSignedReply(ByteBuffer.wrap(reply)).build();
    }

    private SecureZoneResponse reportCompletion(long sequence, ReportCompletion report) throws Refusal, IOException {
        String migrationId = report.getMigrationId();
        String vmId = report.getVmId();
        KeyInstalled installed = state.keyInstalledByMigration.get(migrationId);
        if (installed == null || !installed.vmId().equals(vmId)) {
            throw new Refusal(RefusalReason.BINDING_MISMATCH, "no VM key installed for VM " + vmId + " in migration " + migrationId);
        }
        Optional<InstalledVmKey> held = state.installedKey(vmId);
        if (held.isEmpty() || !held.get().keyFingerprint().equals(installed.keyFingerprint())) {
            throw new Refusal(RefusalReason.BINDING_MISMATCH, "the VM key installed in migration " + migrationId + " is no longer held");
        }
        if (!state.attestationChecked.contains(new MigrationVm(migrationId, vmId))) {
            throw new Refusal(RefusalReason.ATTESTATION_MISMATCH, "no checked attestation of VM " + vmId + " in migration " + migrationId);
        }
        MigrationCompleted completed = MigrationCompleted.newBuilder()
                .setMigrationId(migrationId).setVmId(vmId).setHostId(hostId)
                .setKeyFingerprint(installed.keyFingerprint()).setEpoch(installed.epoch())
                .setCompletedAt(clock.instant()).build();
        byte[] reply = signedOnce(MessageType.MIGRATION_COMPLETED, migrationId, vmId, installed.epoch(), completed);
        LOG.info("host {}: reported completion of migration {} (vm {}, epoch {})", hostId, migrationId, vmId, installed.epoch());
        return ok(sequence).setSignedReply(ByteBuffer.wrap(reply)).build();
    }

    private SecureZoneResponse signReply(long sequence, SignReply request) throws Refusal, IOException {
        byte[] body = ByteBuffers.toArray(request.getBody());
        byte[] reply;
        switch (request.getMessageType()) {
            case TARGET_VM_CREATED: {
                TargetVmCreated created = decodeReplyBody(TARGETS_CREATED, body);
                requireThisHost(created.getHostId());
                if (!state.verifiedCreateTarget.contains(new MigrationVm(created.getMigrationId(), created.getVmId()))) {
                    throw new Refusal(RefusalReason.BINDING_MISMATCH, "no verified CREATE_TARGET_VM of VM "
                            + created.getVmId() + " in migration " + created.getMigrationId());
                }
                reply = signedOnce(MessageType.TARGET_VM_CREATED, created.getMigrationId(), created.getVmId(),
                        request.getBindingEpoch(), created);
                break;
            }
            case COMMAND_REFUSED: {
                CommandRefused refused = decodeReplyBody(REFUSALS, body);
                requireThisHost(refused.getHostId());
                reply = seal(refused.getMigrationId(), refused.getVmId(), request.getBindingEpoch(), refused);
                break;
            }
            default:
                throw new Refusal(RefusalReason.MALFORMED, "the secure zone signs only TARGET_VM_CREATED and COMMAND_REFUSED"
                        + " on request, not " + request.getMessageType());
        }
        return ok(sequence).setSignedReply(ByteBuffer.wrap(reply)).build();
    }

    private static <T extends SpecificRecord> T decodeReplyBody(SingleObjectCodec<T> codec, byte[] body) throws Refusal {
        try {
            return codec.decode(body);
        } catch (SingleObjectCodec.CodecException e) {
            throw new Refusal(RefusalReason.MALFORMED, "reply body is not a " + codec.type().getSimpleName() + ": " + e.getMessage());
        }
    }

    private void requireThisHost(String named) throws Refusal {
        if (!hostId.equals(named)) {
            throw new Refusal(RefusalReason.WRONG_HOST, "reply names host " + named + ", this is " + hostId);
        }
    }

    // ---- replies ----

    /**
     * A reply the zone signs on request rather than in answer to one command (target created, VM attested,
     * migration completed): signed once per migration and VM, stored with the replay cache and served
     * again while valid, so an agent that asks twice (say, after a crash) never publishes two different
     * replies for one fact.
     */
    private byte[] signedOnce(MessageType type, String migrationId, String vmId, long epoch, SpecificRecord body)
            throws IOException {
        String fact = "reply/" + type + "/" + migrationId + "/" + vmId;
        ReplayEntry stored = state.replayByMessageId.get(fact);
        if (stored != null && stored.expiresAtMillis() > clock.millis()) {
            return stored.signedReply();
        }
        SignedEnvelope envelope = sealer.seal(Addressing.of(migrationId, vmId, hostId, epoch), body);
        byte[] reply = ENVELOPES.encode(envelope);
        Transition tx = new Transition(state.copy());
        tx.next.replayByMessageId.put(fact, new ReplayEntry(fact, envelope.getExpiresAt().toEpochMilli(), reply));
        commit(tx);
        return reply;
    }

    private byte[] seal(String migrationId, String vmId, long epoch, SpecificRecord body) {
        return ENVELOPES.encode(sealer.seal(Addressing.of(migrationId, vmId, hostId, epoch), body));
    }

    private byte[] commandRefused(SignedEnvelope command, Set<MessageType> expected, Refusal refusal) {
        MessageType type = command != null ? command.getMessageType() : expected.iterator().next();
        String migrationId = command != null ? command.getMigrationId() : "";
        String vmId = command != null ? command.getVmId() : "";
        CommandRefused body = CommandRefused.newBuilder()
                .setCommandMessageId(command != null ? command.getMessageId() : "")
                .setCommandType(type).setMigrationId(migrationId).setVmId(vmId).setHostId(hostId)
                .setReason(refusal.reason()).setDetail(refusal.detail()).build();
        return seal(migrationId, vmId, command != null ? command.getBindingEpoch() : 0L, body);
    }

    /** A refused key delivery is answered with KeyInstallReply FAILED, so the center can abort at once. */
    private byte[] keyInstallFailed(SignedEnvelope command, Refusal refusal) {
        String migrationId = command != null ? command.getMigrationId() : "";
        String vmId = command != null ? command.getVmId() : "";
        String fingerprint = "";
        long epoch = command != null ? command.getBindingEpoch() : 0L;
        if (command != null && command.getMessageType() == MessageType.DELIVER_VM_KEY) {
            try {
                Binding binding = DELIVERIES.decode(ByteBuffers.toArray(command.getBody())).getBinding();
                fingerprint = binding.getKeyFingerprint();
                epoch = binding.getEpoch();
            } catch (SingleObjectCodec.CodecException e) {
                // The body is what failed; the reply names no fingerprint.
            }
        }
        KeyInstallReply body = KeyInstallReply.newBuilder()
                .setMigrationId(migrationId).setVmId(vmId).setHostId(hostId).setOutcome(KeyInstallOutcome.FAILED)
                .setReason(refusal.reason()).setDetail(refusal.detail()).setKeyFingerprint(fingerprint).setEpoch(epoch)
                .build();
        return seal(migrationId, vmId, command != null ? command.getBindingEpoch() : 0L, body);
    }

    private static VerifiedCommand verified(SignedEnvelope envelope) {
        return VerifiedCommand.newBuilder()
                .setMessageId(envelope.getMessageId()).setMessageType(envelope.getMessageType())
                .setMigrationId(envelope.getMigrationId()).setVmId(envelope.getVmId())
                .setBindingEpoch(envelope.getBindingEpoch()).build();
    }

    private static SecureZoneResponse.Builder response(long sequence, SecureZoneOutcome outcome) {
        return SecureZoneResponse.newBuilder().setSequence(sequence).setOutcome(outcome);
    }

    private static SecureZoneResponse.Builder ok(long sequence) {
        return response(sequence, SecureZoneOutcome.OK);
    }

    static SecureZoneResponse.Builder refused(long sequence, RefusalReason reason, String detail) {
        return response(sequence, SecureZoneOutcome.REFUSED).setReason(reason).setDetail(detail);
    }

    // ---- state ----

    /** The next state of one request and the in-memory key handles it adds or removes. */
    private static final class Transition {
        final ZoneState next;
        final Map<String, PrivateKeyHandle> installs = new HashMap<>();
        final Set<String> destroyed = new LinkedHashSet<>();

        Transition(ZoneState next) {
            this.next = next;
        }
    }

    /** Makes the transition durable, then current; on failure nothing changes (and nothing is acknowledged). */
    private void commit(Transition tx) throws IOException {
        try {
            stateFile.write(tx.next);
        } catch (IOException | RuntimeException e) {
            tx.installs.values().forEach(PrivateKeyHandle::destroy);
            throw e;
        }
        state = tx.next;
        for (String vmId : tx.destroyed) {
            PrivateKeyHandle removed = vmKeys.remove(vmId);
            if (removed != null) {
                removed.destroy();
                LOG.info("host {}: destroyed VM key {} of VM {}", hostId, removed.keyId(), vmId);
            }
        }
        tx.installs.forEach((vmId, key) -> {
            PrivateKeyHandle replaced = vmKeys.put(vmId, key);
            if (replaced != null) {
                replaced.destroy();
            }
        });
        derivePins();
    }

    private void loadVmKeys() throws IOException {
        for (InstalledVmKey installed : state.installedByVm.values()) {
            try {
                vmKeys.put(installed.vmId(), VtcmStore.unseal(keys.vtcmSealing(), crypto.suite(), installed));
            } catch (MalformedBlobException | DecryptionRefusedException e) {
                throw new IOException("cannot unseal the VM key of " + installed.vmId() + " epoch " + installed.epoch(), e);
            }
        }
    }

    private void derivePins() {
        Optional<Pins> pins = state.pins();
        if (pins.isEmpty() || agentVerifier != null) {
            return;
        }
        Map<String, Verifier> centers = new HashMap<>();
        for (PublicKeyHandle center : pins.get().centerKeys()) {
            centers.put(center.keyId().toString(), crypto.verifier(center));
        }
        centerVerifiers = Map.copyOf(centers);
        agentVerifier = crypto.verifier(pins.get().agentKey());
        PublicKeyRecord agentRecord = PublicKeyRecords.toRecord(pins.get().agentKey());
        enrollmentProof = crypto.signer(keys.signingKey())
                .sign(EnrollmentProof.signingInput(hostId, signingKeyRecord, encapsulationKeyRecord, agentRecord),
                        EnrollmentProof.context(hostId))
                .toBytes();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        vmKeys.values().forEach(PrivateKeyHandle::destroy);
        vmKeys.clear();
        keys.close();
    }
}
