package io.vmigrate.forensics;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.topic.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A live reader learns a center key announced after it started, and rereads the registry at most once per key id. */
class RefreshingCenterKeysTest {

    @Test
    void aKeyAnnouncedAfterTheStartIsLearnedByOneReload() throws Exception {
        SyntheticLog log = new SyntheticLog();
        SyntheticLog.CenterKey first = log.center;
        TrustedKeys atStart = TrustedKeys.load(log, Optional.of(first.centerPublicKey()), Topics.withDefaultWireFormat());
        Instant rotatedAt = SyntheticLog.T0.plusSeconds(50);
        log.rotate(1, rotatedAt, Duration.ofSeconds(30), "h1");
        String successor = log.center.centerPublicKey().keyId().toString();
        AtomicInteger reloads = new AtomicInteger();
        RefreshingCenterKeys keys = new RefreshingCenterKeys(atStart, () -> {
            reloads.incrementAndGet();
            return TrustedKeys.load(log, Optional.of(first.centerPublicKey()), Topics.withDefaultWireFormat());
        });

        assertThat(atStart.centerKey(successor, rotatedAt.plusSeconds(1))).isEmpty();
        assertThat(keys.centerKey(successor, rotatedAt.plusSeconds(1))).isPresent();
        assertThat(keys.centerKey(successor, rotatedAt.plusSeconds(2))).isPresent();
        assertThat(keys.centerKey("made-up", rotatedAt)).isEmpty();
        assertThat(keys.centerKey("made-up", rotatedAt)).isEmpty();
        assertThat(reloads).hasValue(2);
        // The first key ends with its overlap, also for a live reader.
        assertThat(keys.centerKey(first.centerPublicKey().keyId().toString(), rotatedAt.plusSeconds(29))).isPresent();
        assertThat(keys.centerKey(first.centerPublicKey().keyId().toString(), rotatedAt.plusSeconds(31))).isEmpty();
    }
}
