package io.vmigrate.benchmarks;

import io.vmigrate.cli.operator.TopicSnapshot;
import io.vmigrate.schema.audit.AuditRecord;
import io.vmigrate.schema.common.Direction;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.topic.Topics;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Where one migration's time goes, from the times the parties wrote into what they signed: each command
 * and reply envelope carries {@code issuedAt} (the center's or the secure zone's clock when it signed),
 * each audit record its {@code recordedAt}. For every measured migration the events are put in time
 * order between "request sent" and "DONE seen by the operator"; the gap before each event is charged to
 * the party that produced it (a center step: consuming the previous event and deciding; a host step: its
 * agent consuming the command, the secure zone and the hypervisor up to the signature). All clocks are
 * this machine's, so the gaps are comparable.
 */
final class HopBreakdown {

    /** One signed fact of a migration and when it was made. */
    private record Event(String label, long atMillis) {}

    /** A measured migration: when the operator sent its request and when it saw DONE. */
    record Measured(long sentAtMillis, long doneSeenAtMillis) {}

    private HopBreakdown() {}

    /** Reads the topics of the run and returns the Markdown table of median gaps, one row per event. */
    static String of(Map<String, Object> client, Topics topics, List<String> hostIds, Map<String, Measured> measured,
            String which) {
        Map<String, List<Event>> byMigration = new HashMap<>();
        measured.forEach((id, m) -> {
            List<Event> events = new ArrayList<>();
            events.add(new Event("request sent (operator)", m.sentAtMillis()));
            events.add(new Event("DONE seen by the operator", m.doneSeenAtMillis()));
            byMigration.put(id, events);
        });
        TopicSnapshot.readToEnd(client, topics.hostEvents(), (key, envelope) -> add(byMigration, envelope));
        for (String host : hostIds) {
            TopicSnapshot.readToEnd(client, topics.hostCommands(host), (key, envelope) -> add(byMigration, envelope));
        }
        TopicSnapshot.readToEnd(client, topics.migrationAudit(), (key, audit) -> addAudit(byMigration, audit));

        Map<String, Histogram> gaps = new LinkedHashMap<>();
        Map<String, Map<String, Integer>> predecessors = new HashMap<>();
        for (List<Event> events : byMigration.values()) {
            events.sort(Comparator.comparingLong(Event::atMillis));
            for (int i = 1; i < events.size(); i++) {
                Event event = events.get(i);
                gaps.computeIfAbsent(event.label(), label -> new Histogram(TimeUnit.MINUTES.toMillis(5), 3))
                        .recordValue(Math.max(0, event.atMillis() - events.get(i - 1).atMillis()));
                predecessors.computeIfAbsent(event.label(), label -> new HashMap<>())
                        .merge(events.get(i - 1).label(), 1, Integer::sum);
            }
        }
        StringBuilder out = new StringBuilder();
        out.append(String.format("%nWhere one migration's time goes (%d %s; gap before each event, "
                + "from the signed issuedAt / recordedAt times):%n%n", measured.size(), which));
        out.append("| event (who made it) | usually after | gap p50 | gap mean |\n| --- | --- | ---: | ---: |\n");
        double sumOfMeans = 0;
        List<Map.Entry<String, Histogram>> rows = new ArrayList<>(gaps.entrySet());
        rows.sort(Comparator.comparingDouble(row -> meanPosition(byMigration, row.getKey())));
        for (Map.Entry<String, Histogram> row : rows) {
            String usuallyAfter = predecessors.get(row.getKey()).entrySet().stream()
                    .max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse("");
            Histogram gap = row.getValue();
            sumOfMeans += gap.getMean() * gap.getTotalCount() / measured.size();
            out.append(String.format("| %s | %s | %d ms | %.1f ms |%n", row.getKey(), usuallyAfter,
                    gap.getValueAtPercentile(50), gap.getMean()));
        }
        out.append(String.format("%nThe means add up to %.1f ms per migration.%n", sumOfMeans));
        return out.toString();
    }

    private static void add(Map<String, List<Event>> byMigration, SignedEnvelope envelope) {
        if (envelope == null || envelope.getIssuedAt() == null) {
            return;
        }
        List<Event> events = byMigration.get(envelope.getMigrationId());
        if (events != null) {
            String who = envelope.getDirection() == Direction.CENTER_TO_HOST ? "center" : "host";
            events.add(new Event(envelope.getMessageType().name() + " (" + who + ")",
                    envelope.getIssuedAt().toEpochMilli()));
        }
    }

    private static void addAudit(Map<String, List<Event>> byMigration, AuditRecord audit) {
        if (audit == null || audit.getStep() != MigrationStep.DONE) {
            return;
        }
        List<Event> events = byMigration.get(audit.getMigrationId());
        if (events != null) {
            events.add(new Event("DONE audit record (center)", audit.getRecordedAt().toEpochMilli()));
        }
    }

    /** Orders the rows as the events usually come: by their mean index in the time-ordered events. */
    private static double meanPosition(Map<String, List<Event>> byMigration, String label) {
        double sum = 0;
        int count = 0;
        for (List<Event> events : byMigration.values()) {
            for (int i = 0; i < events.size(); i++) {
                if (events.get(i).label().equals(label)) {
                    sum += i;
                    count++;
                }
            }
        }
        return count == 0 ? Double.MAX_VALUE : sum / count;
    }
}
