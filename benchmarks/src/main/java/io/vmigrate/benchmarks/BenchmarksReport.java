package io.vmigrate.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns TrustBenchmark's JMH JSON into Markdown: a table of ops/s and µs/op per operation and
 * suite, GM ÷ INTL ratios, sign ÷ verify, and the crypto-bound migrations/s per core.
 * Usage: BenchmarksReport <jmh-result.json> <output.md>
 */
public final class BenchmarksReport {
    /** Per-migration operation count assumed for the upper bound. */
    static final Map<String, Integer> OPERATIONS_PER_MIGRATION = new LinkedHashMap<>();

    static {
        OPERATIONS_PER_MIGRATION.put("sign", 8);
        OPERATIONS_PER_MIGRATION.put("verify", 10);
        OPERATIONS_PER_MIGRATION.put("generateSigningKey", 1);
        OPERATIONS_PER_MIGRATION.put("wrap", 1);
        OPERATIONS_PER_MIGRATION.put("unwrap", 1);
    }

    private static final List<String> OPERATIONS = List.of("generateSigningKey", "generateEncapsulationKey", "sign", "verify",
            "wrap", "unwrap", "digest1KiB", "aeadEncrypt1KiB");
    private static final List<String> SUITES = List.of("GM", "INTL");

    private BenchmarksReport() {
    }

    /** A score with its error (99.9% confidence half-width). */
    record Score(double value, double error) {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: BenchmarksReport <jmh-result.json> <output.md>");
        }
        String json = Files.readString(Path.of(args[0]), StandardCharsets.UTF_8);
        Files.writeString(Path.of(args[1]), render(json), StandardCharsets.UTF_8);
    }

    static String render(String json) {
        Map<String, Score> throughput = new LinkedHashMap<>();
        Map<String, Score> averageMicros = new LinkedHashMap<>();
        for (Object entry : (List<?>) Json.parse(json)) {
            Map<?, ?> result = (Map<?, ?>) entry;
            String benchmark = (String) result.get("benchmark");
            String operation = benchmark.substring(benchmark.lastIndexOf('.') + 1);
            String suite = (String) ((Map<?, ?>) result.get("params")).get("suite");
            Map<?, ?> metric = (Map<?, ?>) result.get("primaryMetric");
            double score = (Double) metric.get("score");
            double error = metric.get("scoreError") instanceof Double ? (Double) metric.get("scoreError") : Double.NaN;
            String unit = (String) metric.get("scoreUnit");
            String key = operation + "/" + suite;
            if ("thrpt".equals(result.get("mode"))) {
                double perSecond = perSecondFactor(unit);
                throughput.put(key, new Score(score * perSecond, error * perSecond));
            } else if ("avgt".equals(result.get("mode"))) {
                double toMicros = microsFactor(unit);
                averageMicros.put(key, new Score(score * toMicros, error * toMicros));
            }
        }
        StringBuilder out = new StringBuilder();
        out.append("| operation | GM ops/s | INTL ops/s | GM µs/op | INTL µs/op | GM ÷ INTL (time/op) |\n");
        out.append("| --- | ---: | ---: | ---: | ---: | ---: |\n");
        for (String operation : OPERATIONS) {
            Score gmAvg = averageMicros.get(operation + "/GM");
            Score intlAvg = averageMicros.get(operation + "/INTL");
            out.append("| ").append(operation);
            for (String suite : SUITES) {
                out.append(" | ").append(format(throughput.get(operation + "/" + suite), "%,.0f"));
            }
            for (String suite : SUITES) {
                out.append(" | ").append(format(averageMicros.get(operation + "/" + suite), "%,.2f"));
            }
            out.append(" | ").append(gmAvg == null || intlAvg == null ? "n/a"
                    : String.format(Locale.ROOT, "%.2f", gmAvg.value() / intlAvg.value())).append(" |\n");
        }
        out.append("\nRatios from the same run (throughput-based):\n\n");
        for (String suite : SUITES) {
            out.append(String.format(Locale.ROOT, "- %s: sign ÷ verify throughput = %.2f; wrap ÷ unwrap throughput = %.2f%n", suite,
                    ratio(throughput, "sign", "verify", suite), ratio(throughput, "wrap", "unwrap", suite)));
        }
        out.append("\nCrypto-bound upper bound per core, assuming per migration ");
        OPERATIONS_PER_MIGRATION.forEach((op, count) -> out.append(count).append(" × ").append(op).append(", "));
        out.setLength(out.length() - 2);
        out.append(" (time per migration = Σ count × µs/op from the average-time runs):\n\n");
        for (String suite : SUITES) {
            double micros = 0;
            boolean complete = true;
            for (Map.Entry<String, Integer> op : OPERATIONS_PER_MIGRATION.entrySet()) {
                Score score = averageMicros.get(op.getKey() + "/" + suite);
                complete &= score != null;
                micros += score == null ? 0 : score.value() * op.getValue();
            }
            out.append(complete
                    ? String.format(Locale.ROOT, "- %s: %,.0f µs per migration → at most %,.0f migrations/s per core%n", suite, micros,
                            1_000_000 / micros)
                    : "- " + suite + ": incomplete results\n");
        }
        return out.toString();
    }

    private static double ratio(Map<String, Score> throughput, String a, String b, String suite) {
        Score first = throughput.get(a + "/" + suite);
        Score second = throughput.get(b + "/" + suite);
        return first == null || second == null ? Double.NaN : first.value() / second.value();
    }

    private static String format(Score score, String pattern) {
        if (score == null) {
            return "n/a";
        }
        return String.format(Locale.ROOT, pattern, score.value()) + " ± " + String.format(Locale.ROOT, pattern, score.error());
    }

    private static double perSecondFactor(String unit) {
        switch (unit) {
            case "ops/s": return 1;
            case "ops/ms": return 1e3;
            case "ops/us": return 1e6;
            case "ops/ns": return 1e9;
            default: throw new IllegalArgumentException("unexpected throughput unit " + unit);
        }
    }

    private static double microsFactor(String unit) {
        switch (unit) {
            case "s/op": return 1e6;
            case "ms/op": return 1e3;
            case "us/op": return 1;
            case "ns/op": return 1e-3;
            default: throw new IllegalArgumentException("unexpected time unit " + unit);
        }
    }
}
