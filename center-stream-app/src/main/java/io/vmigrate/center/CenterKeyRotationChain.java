package io.vmigrate.center;

import io.vmigrate.schema.envelope.EnvelopeSealer;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.registry.CenterKeyRotation;
import io.vmigrate.schema.registry.CenterKeyRotations;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a host approved after one or more center key rotations must read before any command: one
 * ROTATE_CENTER_KEY announcement per rotation so far, oldest first, each signed by the key it retires.
 * Its secure zone pinned the first key at provisioning; each statement it accepts makes the next one
 * verifiable, so it ends up trusting the key the center signs with now.
 */
final class CenterKeyRotationChain {

    private final CenterVault vault;
    private final Clock clock;
    private final Duration commandTtl;

    CenterKeyRotationChain(CenterVault vault, Clock clock, Duration commandTtl) {
        this.vault = vault;
        this.clock = clock;
        this.commandTtl = commandTtl;
    }

    /** The announcements for {@code hostId}, in the order its zone must take them; empty before any rotation. */
    List<SignedEnvelope> announcementsFor(String hostId) {
        List<SignedEnvelope> chain = new ArrayList<>();
        for (CenterKeyRotation statement : vault.rotations()) {
            EnvelopeSealer byOldKey = new EnvelopeSealer(vault.signerOf(statement.getOldKeyId()), clock, commandTtl);
            chain.add(byOldKey.seal(CenterKeyRotations.announcementTo(statement.getSequence(), hostId), statement));
        }
        return chain;
    }
}
