package io.vmigrate.faultrun;

import io.vmigrate.common.io.AtomicFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;

/** Writes a run's figures into {@code BENCHMARKS.md} as its "Fault run" section, replacing an earlier one. */
final class BenchmarksSection {

    static final String HEADING = "## Fault run (issue 9)";

    private BenchmarksSection() {}

    static void write(Path file, String command, FaultRunResult result) throws IOException {
        String existing = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "# Benchmarks\n";
        int start = existing.indexOf(HEADING);
        String before = start < 0 ? existing.stripTrailing() + "\n\n" : existing.substring(0, start);
        String after = "";
        if (start >= 0) {
            int next = existing.indexOf("\n## ", start + HEADING.length());
            after = next < 0 ? "" : existing.substring(next + 1);
        }
        String text = before + section(command, result) + (after.isEmpty() ? "" : "\n" + after);
        AtomicFiles.writeString(file, text, AtomicFiles.Permissions.DEFAULT);
    }

    private static String section(String command, FaultRunResult result) {
        StringWriter text = new StringWriter();
        PrintWriter out = new PrintWriter(text);
        FaultRunSettings settings = result.settings();
        out.println(HEADING);
        out.println();
        out.printf("Run of %s on this machine (%d cores, %d MiB max heap of the run's JVM; every component its own JVM"
                        + " on the same cores). Result: **%s**.%n%n", LocalDate.now(ZoneOffset.UTC),
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
                result.passed() ? "PASS, every invariant held" : "FAIL: " + result.firstFailure().orElseThrow());
        out.println("```");
        out.println(command);
        out.println("```");
        out.println();
        out.printf("%d migrations (%d fault-free first, as the yardstick), %d hosts x %d VMs, %d in flight per source host,"
                        + " deadline %d s, grace %d s, seed %d. Three brokers (RF 3, min ISR 2), two center instances"
                        + " (one standby each), a zone and an agent process per host.%n%n", settings.migrations(),
                settings.faultFreeMigrations(), settings.hosts(), settings.vmsPerHost(), settings.inFlightPerHost(),
                settings.deadline().toSeconds(), settings.grace().toSeconds(), settings.seed());
        out.println("Recovery: from the injection to the first migration requested at or after it that reached DONE"
                + " (touching the struck host, for host faults); outages are part of it.");
        out.println();
        result.figures().printMarkdown(out);
        out.println();
        out.println("Faults as injected:");
        out.println();
        result.faults().forEach(fault -> out.println("- " + fault));
        out.println();
        out.println("Invariants:");
        out.println();
        out.println("```");
        result.invariants().printTo(out);
        out.println("```");
        out.flush();
        return text.toString();
    }
}
