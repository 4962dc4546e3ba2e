package io.vmigrate.center;

import io.vmigrate.schema.audit.AuditChain;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmigrate.schema.audit.AuditRecord;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.Suite;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class AuditChainTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Suite.class)
    void findsGapsReorderingAndTampering(Suite suite) throws Exception {
        try (CenterHarness center = new CenterHarness(suite, dir)) {
            SimulatedHost h1 = center.enrolledHost("h1");
            center.enrolledHost("h2");
            center.register("vm1", h1);
            center.request("m1", "vm1", "h1", "h2");
            center.request("m1", "vm1", "h1", "h2");
            List<AuditRecord> trail = center.audit("m1");
            var digest = CryptoSuites.get(suite).digest();
            AuditChain.verify(trail, center.centerVerifier, digest);

            List<AuditRecord> gap = new ArrayList<>(trail);
            gap.remove(1);
            assertThatThrownBy(() -> AuditChain.verify(gap, center.centerVerifier, digest))
                    .isInstanceOf(AuditChain.BrokenChainException.class);

            List<AuditRecord> reordered = new ArrayList<>(trail);
            reordered.set(1, trail.get(2));
            reordered.set(2, trail.get(1));
            assertThatThrownBy(() -> AuditChain.verify(reordered, center.centerVerifier, digest))
                    .isInstanceOf(AuditChain.BrokenChainException.class);

            List<AuditRecord> tampered = new ArrayList<>(trail);
            tampered.set(1, AuditRecord.newBuilder(trail.get(1)).setDestinationHostId("h9").build());
            assertThatThrownBy(() -> AuditChain.verify(tampered, center.centerVerifier, digest))
                    .isInstanceOf(AuditChain.BrokenChainException.class).hasMessageContaining("record 1");
        }
    }
}
