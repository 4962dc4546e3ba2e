package io.vmigrate.securezone;

import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.EnvelopeSealer;
import io.vmigrate.schema.securezone.SecureZoneOperationType;
import io.vmigrate.schema.securezone.SecureZoneRequest;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.securezone.protocol.Operations;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.SealedKeyStoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The secure zone's logic, one request at a time (synchronized): authenticates the relayed request
 * ({@link RelayAuthenticator}), decodes its operation and hands it to that operation's handler, which
 * makes its one state transition durable ({@link ZoneStore}) before the answer is returned. Center
 * commands pass the {@link CommandGate} first; replies are signed by the {@link ReplySigner}.
 */
final class SecureZone implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SecureZone.class);

    private final String hostId;
    private final ZoneKeys keys;
    private final ZoneStore store;
    private final PinnedKeys pinned;
    private final RelayAuthenticator authenticator;
    private final Map<SecureZoneOperationType, OperationHandler> handlers = new EnumMap<>(SecureZoneOperationType.class);
    private boolean closed;

    private SecureZone(String hostId, CryptoSuite crypto, Clock clock, Duration replyTtl, Duration skew, ZoneKeys keys,
            ZoneStore store) {
        this.hostId = hostId;
        this.keys = keys;
        this.store = store;
        this.pinned = new PinnedKeys(crypto, clock, skew);
        pinned.learn(store.current());
        this.authenticator = new RelayAuthenticator(hostId, crypto, pinned);
        ZoneIdentity identity = new ZoneIdentity(hostId, crypto, keys);
        ReplySigner replies = new ReplySigner(hostId, clock, new EnvelopeSealer(crypto.signer(keys.signingKey()), clock, replyTtl),
                store);
        CommandGate gate = new CommandGate(hostId, clock, skew, pinned, store, replies);
        handlers.put(SecureZoneOperationType.PROVISION,
                new ProvisionHandler(hostId, crypto, store, pinned, authenticator, identity));
        handlers.put(SecureZoneOperationType.GET_IDENTITY, new GetIdentityHandler(store, identity));
        handlers.put(SecureZoneOperationType.OPEN_COMMAND, new OpenCommandHandler(gate, new CenterKeyRotationAcceptor(hostId, crypto, pinned)));
        handlers.put(SecureZoneOperationType.INSTALL_VM_KEY, new InstallVmKeyHandler(hostId, crypto, keys, gate, replies));
        handlers.put(SecureZoneOperationType.ATTEST_VM, new AttestVmHandler(hostId, clock, store, replies));
        handlers.put(SecureZoneOperationType.CHECK_ATTESTATION, new CheckAttestationHandler(gate));
        handlers.put(SecureZoneOperationType.REPORT_COMPLETION, new ReportCompletionHandler(hostId, clock, store, replies));
        handlers.put(SecureZoneOperationType.DEREGISTER, new DeregisterHandler(hostId, clock, gate, replies));
        handlers.put(SecureZoneOperationType.ABORT, new AbortHandler(hostId, gate, replies));
        handlers.put(SecureZoneOperationType.SIGN_REPLY, new SignReplyHandler(hostId, store, replies));
        LOG.info("secure zone of host {}: signing key {}, encapsulation key {}, {} VM key(s), {} replay entries, "
                + "{} migration facts, provisioned {}", hostId, identity.signingKeyId(), identity.encapsulationKeyId(),
                store.current().installedKeys().size(), store.current().replayEntries(), store.current().migrationFacts(),
                pinned.provisioned());
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
            ZoneStore store = ZoneStore.open(hostId, crypto.suite(), stateDir, keys.vtcmSealing(), keys.stateSealing(),
                    keys.stateSealingIsNew(), clock, skew);
            LOG.info("secure zone of host {} opened {}", hostId, stateDir);
            return new SecureZone(hostId, crypto, clock, replyTtl, skew, keys, store);
        } catch (IOException | RuntimeException e) {
            keys.close();
            throw e;
        }
    }

    synchronized boolean provisioned() {
        return pinned.provisioned();
    }

    String hostId() {
        return hostId;
    }

    /** Serves one request of a connection whose challenge is {@code challenge}; the caller checked the sequence. */
    synchronized SecureZoneResponse handle(byte[] challenge, SecureZoneRequest request) {
        long sequence = request.getSequence();
        SecureZoneOperationType type = request.getOperationType();
        if (closed) {
            return ZoneResponses.refused(sequence, RefusalReason.INTERNAL_ERROR, "secure zone is shutting down").build();
        }
        RelayedRequest relayed = new RelayedRequest(challenge, sequence, type, ByteBuffers.toArray(request.getOperation()),
                ByteBuffers.toArray(request.getAgentSignature()));
        try {
            authenticator.authenticate(relayed);
            SpecificRecord operation;
            try {
                operation = Operations.decode(type, relayed.operation());
            } catch (SingleObjectCodec.CodecException e) {
                throw new ZoneRefusal(RefusalReason.MALFORMED, "operation is not a " + type + ": " + e.getMessage());
            }
            OperationHandler handler = handlers.get(type);
            if (handler == null) {
                throw new ZoneRefusal(RefusalReason.MALFORMED, "unknown operation " + type);
            }
            return handler.handle(relayed, operation);
        } catch (ZoneRefusal refusal) {
            LOG.warn("host {}: refused {} request #{}: {}", hostId, type, sequence, refusal.getMessage());
            return ZoneResponses.refused(sequence, refusal.reason(), refusal.detail()).build();
        } catch (IOException | RuntimeException e) {
            LOG.error("host {}: {} request #{} failed", hostId, type, sequence, e);
            return ZoneResponses.refused(sequence, RefusalReason.INTERNAL_ERROR, type + " failed inside the secure zone").build();
        }
    }

    /** The key id of the zone's signing key: the fingerprint an operator approves the host by. */
    String signingKeyFingerprint() {
        return keys.signingKey().keyId().toString();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        store.close();
        keys.close();
    }
}
