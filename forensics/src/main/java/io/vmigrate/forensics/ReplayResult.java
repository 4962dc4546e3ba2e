package io.vmigrate.forensics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a replay found. Its JSON form is deterministic: keys in a fixed order, lists sorted, no
 * wall-clock time, so the same input gives byte-identical reports.
 */
public record ReplayResult(String source, Map<String, Long> recordsPerTopic, long migrations, long registrations,
        Map<String, Long> outcomes, List<BindingRow> bindings, String bindingsComparedWith, boolean centerKeyPinned,
        List<Anomaly> anomalies) {

    public ReplayResult {
        recordsPerTopic = Map.copyOf(new TreeMap<>(recordsPerTopic));
        outcomes = Map.copyOf(new TreeMap<>(outcomes));
        bindings = List.copyOf(bindings);
        anomalies = List.copyOf(anomalies);
    }

    public boolean clean() {
        return anomalies.isEmpty();
    }

    public long recordsRead() {
        return recordsPerTopic.values().stream().mapToLong(Long::longValue).sum();
    }

    public Map<String, Long> anomaliesByRule() {
        Map<String, Long> counts = new TreeMap<>();
        anomalies.forEach(a -> counts.merge(a.rule().name(), 1L, Long::sum));
        return counts;
    }

    /** The report as JSON, keys in a fixed order, two-space indentation, '\n' line ends. */
    public String toJson() {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("format", "vmigrate-replay-report-v1");
        report.put("source", source);
        report.put("clean", clean());
        report.put("centerKeyPinned", centerKeyPinned);
        report.put("recordsRead", recordsRead());
        report.put("recordsPerTopic", new TreeMap<>(recordsPerTopic));
        Map<String, Object> migrationSummary = new LinkedHashMap<>();
        migrationSummary.put("migrations", migrations);
        migrationSummary.put("registrations", registrations);
        migrationSummary.put("byOutcome", new TreeMap<>(outcomes));
        report.put("migrations", migrationSummary);
        report.put("bindingsComparedWith", bindingsComparedWith);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (BindingRow row : bindings) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("vmId", row.vmId());
            json.put("hostId", row.hostId());
            json.put("epoch", row.epoch());
            json.put("keyFingerprint", row.keyFingerprint());
            json.put("migrationId", row.migrationId());
            rows.add(json);
        }
        report.put("bindings", rows);
        report.put("anomaliesByRule", anomaliesByRule());
        List<Map<String, Object>> found = new ArrayList<>();
        for (Anomaly anomaly : anomalies) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("rule", anomaly.rule().name());
            json.put("topic", anomaly.topic());
            json.put("partition", anomaly.partition());
            json.put("offset", anomaly.offset());
            json.put("migrationId", anomaly.migrationId());
            json.put("detail", anomaly.detail());
            found.add(json);
        }
        report.put("anomalies", found);
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
                .withObjectIndenter(new DefaultIndenter("  ", "\n"))
                .withArrayIndenter(new DefaultIndenter("  ", "\n"));
        try {
            return new ObjectMapper().writer(printer).writeValueAsString(report) + "\n";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The human summary: records per topic, migrations by outcome, bindings, each anomaly with its record. */
    public void printSummary(PrintWriter out) {
        out.printf("replayed %d records from %s%n", recordsRead(), source);
        recordsPerTopic.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> out.printf("  %-28s %8d%n", e.getKey(), e.getValue()));
        out.printf("migrations: %d, registrations: %d; outcomes: %s%n", migrations, registrations, new TreeMap<>(outcomes));
        out.printf("bindings rebuilt: %d (compared with %s)%n", bindings.size(), bindingsComparedWith);
        if (!centerKeyPinned) {
            out.println("note: center key taken from its self-signed trust.registry entry; pin it with --center-key");
        }
        if (clean()) {
            out.println("no anomalies");
        } else {
            out.printf("%d anomalies: %s%n", anomalies.size(), anomaliesByRule());
            for (Anomaly anomaly : anomalies) {
                out.println("!! " + anomaly);
            }
        }
        out.flush();
    }
}
