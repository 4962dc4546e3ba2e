package io.vmigrate.center;

import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.CryptoSuites;
import java.time.Clock;
import java.util.Objects;

/** What every processor of the center shares: the vault, the workflow timing, whom it trusts, the clock and where to record metrics. */
record CenterServices(CenterVault vault, WorkflowSettings settings, CenterAccess access, Clock clock, CenterMetrics metrics) {

    CenterServices {
        Objects.requireNonNull(vault, "vault");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(access, "access");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(metrics, "metrics");
    }

    CryptoSuite crypto() {
        return CryptoSuites.get(vault.suite());
    }
}
