package io.vmigrate.faultrun.invariants;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.faultrun.InjectedDuplicate;
import io.vmigrate.forensics.Anomaly;
import io.vmigrate.forensics.ReplayResult;
import io.vmigrate.forensics.Rule;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReplayCleanCheckTest {

    static final InjectedDuplicate COPY = new InjectedDuplicate("host.h1.commands", 0, 9, "host.h1.commands", 0, 3);

    static ReplayResult replay(Anomaly... anomalies) {
        return new ReplayResult("cluster", Map.of("vm.inventory", 4L, "host.h1.commands", 10L), 3, 2, Map.of("DONE", 5L),
                List.of(), "vm.inventory", true, List.of(anomalies));
    }

    @Test
    void anAnomalyAtAnInjectedDuplicateIsNamedAsSuchAndExcused() {
        var result = ReplayCleanCheck.check(replay(new Anomaly(Rule.REPLAYED_COMMAND, "host.h1.commands", 0, 9, "m1", "again")),
                List.of(COPY));

        assertThat(result.holds()).isTrue();
        assertThat(result.notes()).containsExactly(
                "injected duplicate: REPLAYED_COMMAND at host.h1.commands/0@9 (copy of host.h1.commands/0@3)");
        assertThat(result.summary()).isEqualTo("replayed 14 records: 3 migrations, 2 registrations {DONE=5}; 0 bindings "
                + "compared with the center's (vm.inventory); 1 injected duplicates named, 0 other anomalies");
    }

    @Test
    void anyOtherAnomalyIsAViolationWithItsRuleAndCoordinates() {
        var result = ReplayCleanCheck.check(replay(new Anomaly(Rule.REPLAYED_COMMAND, "host.h1.commands", 0, 9, "m1", "again")),
                List.of());

        assertThat(result.violations()).singleElement().satisfies(v -> {
            assertThat(v.detail()).isEqualTo("REPLAYED_COMMAND at host.h1.commands/0@9 migration m1: again");
            assertThat(v.evidence()).containsExactly("host.h1.commands/0@9");
        });
    }

    @Test
    void aBindingMismatchWithTheCenterIsNeverExcused() {
        var result = ReplayCleanCheck.check(replay(new Anomaly(Rule.BINDING_MISMATCH_WITH_CENTER, "host.h1.commands", 0, 9,
                null, "differs")), List.of(COPY));

        assertThat(result.violations()).extracting(Violation::detail)
                .containsExactly("BINDING_MISMATCH_WITH_CENTER at host.h1.commands/0@9: differs");
    }
}
