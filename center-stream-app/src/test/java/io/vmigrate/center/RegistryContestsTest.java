package io.vmigrate.center;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.registry.TrustRegistryEntry;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RegistryContestsTest {

    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

    private final RegistryFixtures fixtures = new RegistryFixtures();
    private final RegistryContests contests = new RegistryContests(fixtures.judge);
    private final TrustRegistryEntry own = fixtures.host("h1", T0, fixtures.center);

    @Test
    void aTombstoneAfterTheCentersEntryContestsItUntilTheEntryIsSeenAgain() {
        contests.observe("host:h1", new RegistryRecord.Decoded(own));
        contests.observe("host:h1", new RegistryRecord.Tombstone());
        assertThat(contests.contested()).containsExactly("host:h1");
        assertThat(contests.held("host:h1")).contains(own);

        // the republished entry comes back on the topic: equal to the held one, nothing more to do
        contests.observe("host:h1", new RegistryRecord.Decoded(own));
        assertThat(contests.contested()).isEmpty();
    }

    @Test
    void foreignUndecodableAndOlderRecordsContestAHeldKey() {
        TrustRegistryEntry newer = fixtures.host("h1", T0.plusSeconds(60), fixtures.center);
        contests.observe("host:h1", new RegistryRecord.Decoded(own));
        contests.observe("host:h1", new RegistryRecord.Decoded(newer));
        assertThat(contests.held("host:h1")).contains(newer);

        contests.observe("host:h1", new RegistryRecord.Decoded(own));
        assertThat(contests.contested()).as("a replay of the older entry").containsExactly("host:h1");
        contests.answered("host:h1");
        contests.observe("host:h1", new RegistryRecord.Decoded(fixtures.host("h1", T0.plusSeconds(120), fixtures.stranger)));
        assertThat(contests.contested()).as("a foreign entry").containsExactly("host:h1");
        contests.answered("host:h1");
        contests.observe("host:h1", new RegistryRecord.Undecodable("truncated"));
        assertThat(contests.contested()).as("undecodable bytes").containsExactly("host:h1");
        assertThat(contests.held("host:h1")).contains(newer);
    }

    @Test
    void recordsForKeysTheCenterDoesNotHoldAreNobodysConcern() {
        contests.observe("host:h9", new RegistryRecord.Decoded(fixtures.host("h9", T0, fixtures.stranger)));
        contests.observe("host:h9", new RegistryRecord.Tombstone());
        contests.observe(null, new RegistryRecord.Undecodable("garbage"));
        assertThat(contests.contested()).isEmpty();
        assertThat(contests.held("host:h9")).isEmpty();
    }

    @Test
    void theCentersEntryWrittenAfterAForeignOneIsTheLatestAndNeedsNoAnswer() {
        contests.observe("host:h1", new RegistryRecord.Decoded(fixtures.host("h1", T0, fixtures.stranger)));
        contests.observe("host:h1", new RegistryRecord.Decoded(own));
        assertThat(contests.contested()).isEmpty();
        assertThat(contests.held("host:h1")).contains(own);
    }

    @Test
    void anEntryTheStoreHoldsButTheTopicLostIsRepublishedAndOneTheTopicShowsIsLeftAlone() {
        TrustRegistryEntry lost = fixtures.host("h2", T0, fixtures.center);
        contests.observe("host:h1", new RegistryRecord.Decoded(own));
        contests.recover(java.util.List.of(own, lost, fixtures.host("h3", T0, fixtures.stranger)));
        assertThat(contests.contested()).containsExactly("host:h2");
        assertThat(contests.held("host:h2")).contains(lost);
        assertThat(contests.held("host:h3")).as("the store never holds a foreign entry; if it did, it is not adopted").isEmpty();
    }
}
