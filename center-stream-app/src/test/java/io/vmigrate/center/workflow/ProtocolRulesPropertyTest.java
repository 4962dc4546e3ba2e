package io.vmigrate.center.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.center.workflow.ProtocolWorld.Kind;
import io.vmigrate.center.workflow.ProtocolWorld.Move;
import io.vmigrate.schema.common.MigrationStep;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * The machine under random orders of events: replies honest and forged, duplicated, late or for
 * another migration, requests again and anew, registrations, enrollment changes and the clock.
 * The rules themselves are in {@link ProtocolLedger}; a rule broken fails the move that broke it.
 */
class ProtocolRulesPropertyTest {

    @Provide
    Arbitrary<List<Move>> moves() {
        Arbitrary<Move> move = Combinators.combine(Arbitraries.of(Kind.class), Arbitraries.integers().between(0, 999))
                .as(Move::new);
        return move.list().ofMaxSize(60);
    }

    private static final List<Kind> HAPPY_PATH = List.of(Kind.REQUEST_ELSEWHERE, Kind.TARGET_CREATED, Kind.KEY_INSTALLED,
            Kind.ATTESTATION, Kind.COMPLETED, Kind.DEREGISTERED);

    /**
     * A migration's happy path with noise between its steps (mostly duplicates, replays, forged
     * parties, retries and the clock; sometimes anything), so that many runs commit and reach DONE.
     */
    @Provide
    Arbitrary<List<Move>> happyPathsWithNoise() {
        Arbitrary<Kind> noiseKinds = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.of(Kind.REPLAY_EARLIER, Kind.DUPLICATE_REQUEST, Kind.TICK_RETRY, Kind.TICK_SHORT,
                        Kind.ABORT_ACK, Kind.REFUSED_REPLAYED, Kind.REFUSED_FORGED, Kind.WRONG_PARTY, Kind.OTHER_MIGRATION, Kind.NEW_REQUEST,
                        Kind.DEREGISTERED_STALE, Kind.REGISTER, Kind.TARGET_CREATED, Kind.ATTESTATION)),
                Tuple.of(1, Arbitraries.of(Kind.class)));
        Arbitrary<Move> noise = Combinators.combine(noiseKinds, Arbitraries.integers().between(0, 999)).as(Move::new);
        Arbitrary<List<Move>> oneMigration = noise.list().ofMaxSize(3).list().ofSize(HAPPY_PATH.size())
                .map(ProtocolRulesPropertyTest::interleaveWithHappyPath);
        return oneMigration.list().ofMinSize(1).ofMaxSize(3)
                .map(migrations -> migrations.stream().flatMap(List::stream).toList());
    }

    private static List<Move> interleaveWithHappyPath(List<List<Move>> gaps) {
        List<Move> moves = new ArrayList<>();
        for (int i = 0; i < HAPPY_PATH.size(); i++) {
            moves.add(new Move(HAPPY_PATH.get(i), i));
            moves.addAll(gaps.get(i));
        }
        return moves;
    }

    @Property(tries = 300)
    void aBoundVmKeepsTheRulesWhateverArrivesInWhateverOrder(@ForAll("moves") List<Move> moves) {
        ProtocolWorld world = ProtocolWorld.withBoundVm();
        moves.forEach(world::play);
    }

    @Property(tries = 300)
    void migrationsThatMostlyGoForwardKeepTheRulesAndManyFinish(@ForAll("happyPathsWithNoise") List<Move> moves) {
        ProtocolWorld world = ProtocolWorld.withBoundVm();
        moves.forEach(world::play);
        long done = world.center.audit.entrySet().stream()
                .filter(e -> !e.getKey().startsWith("register:"))
                .filter(e -> e.getValue().stream().anyMatch(a -> a.transition() && a.step() == MigrationStep.DONE))
                .count();
        Statistics.label("a migration reached DONE").collect(done > 0);
        // Guards against a generator that never gets past the first steps, which would test little.
        Statistics.label("a migration reached DONE").coverage(coverage -> coverage.check(true).percentage(p -> p >= 30));
    }

    @Property(tries = 200)
    void aVmRegisteredAnyTimeKeepsTheRules(@ForAll("moves") List<Move> moves) {
        ProtocolWorld world = ProtocolWorld.empty();
        moves.forEach(world::play);
    }

    @Property(tries = 100)
    void theSameEventsAlwaysGiveTheSameOutcomes(@ForAll("moves") List<Move> moves) {
        ProtocolWorld first = ProtocolWorld.withBoundVm();
        ProtocolWorld second = ProtocolWorld.withBoundVm();
        moves.forEach(first::play);
        moves.forEach(second::play);
        assertThat(first.center.outcomes).isEqualTo(second.center.outcomes);
    }
}
