package io.vmigrate.forensics;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.forensics.ExportedRecord;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Replay verifies each record with the center key valid at its time, following rotations from the pinned key. */
class ReplayAcrossKeyRotationTest {

    private static final Duration OVERLAP = Duration.ofSeconds(30);

    SyntheticLog log;
    SyntheticLog.CenterKey first;

    @BeforeEach
    void aLogSpanningARotation() {
        log = new SyntheticLog();
        first = log.center;
        log.enroll("h1");
        log.enroll("h2");
        log.migrate("m1", "vm-1", "h1", "h2", 0, SyntheticLog.T0.plusSeconds(10));
        log.rotate(1, SyntheticLog.T0.plusSeconds(50), OVERLAP, "h1");
        log.migrate("m2", "vm-1", "h2", "h1", 1, SyntheticLog.T0.plusSeconds(100));
    }

    private ReplayResult replayPinning(SyntheticLog.CenterKey pinned) throws Exception {
        return ReplayEngine.replay(log, Optional.of(pinned.centerPublicKey()), Optional.empty(), Duration.ofSeconds(5));
    }

    @Test
    void recordsOfBothKeysVerifyFromTheFirstKeyPinned() throws Exception {
        ReplayResult result = replayPinning(first);

        assertThat(result.anomalies()).isEmpty();
        assertThat(result.migrations()).isEqualTo(2);
        assertThat(result.outcomes()).containsEntry("DONE", 2L);
    }

    @Test
    void aSecondRotationIsFollowedToo() throws Exception {
        log.rotate(2, SyntheticLog.T0.plusSeconds(150), OVERLAP, "h2");
        log.migrate("m3", "vm-1", "h1", "h2", 2, SyntheticLog.T0.plusSeconds(200));

        ReplayResult result = replayPinning(first);

        assertThat(result.anomalies()).isEmpty();
        assertThat(result.outcomes()).containsEntry("DONE", 3L);
    }

    @Test
    void aRecordSignedByTheOldKeyAfterTheOverlapIsNotTheCenters() throws Exception {
        SyntheticLog.CenterKey second = log.center;
        log.center = first;
        SyntheticLog.Migration late = log.new Migration("m3", "vm-9", "h1", "h2", 0, SyntheticLog.T0.plusSeconds(500));
        ExportedRecord audit = late.audit(MigrationStep.REQUESTED, 0);
        log.center = second;

        ReplayResult result = replayPinning(first);

        assertThat(result.anomalies()).extracting(a -> a.rule() + "@" + a.coordinates())
                .contains(Rule.UNKNOWN_SIGNER + "@" + audit.getTopic() + "/" + audit.getPartition() + "@" + audit.getOffset());
    }

    @Test
    void aKeyNotChainedToThePinnedOneSignsNothing() throws Exception {
        // Pinning the new key alone: the first key's records (and the entry announcing the new key) are not trusted.
        ReplayResult result = replayPinning(log.center);

        assertThat(result.anomalies()).extracting(Anomaly::rule).contains(Rule.UNKNOWN_SIGNER);
    }
}
