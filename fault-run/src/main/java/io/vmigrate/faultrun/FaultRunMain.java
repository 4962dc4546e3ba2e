package io.vmigrate.faultrun;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * {@code FaultRunMain [--migrations N] [--seed S] [--hosts N] [--vms-per-host N] [--in-flight N] [--suite intl|gm]
 * [--deadline-s N] [--grace-s N] [--data-dir DIR] [--benchmarks FILE]}: one fault run; exits 0 when every
 * invariant held, 1 naming the first one broken, 2 on bad arguments. Only wiring here.
 */
public final class FaultRunMain {

    private FaultRunMain() {}

    public static void main(String[] args) throws Exception {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
            out.println(FaultRunArguments.USAGE);
            return;
        }
        FaultRunArguments arguments;
        try {
            arguments = FaultRunArguments.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("fault run: " + e.getMessage());
            System.err.println(FaultRunArguments.USAGE);
            System.exit(2);
            return;
        }
        FaultRunResult result = new FaultRun(arguments.settings(), out).run();
        if (arguments.benchmarksFile().isPresent()) {
            BenchmarksSection.write(arguments.benchmarksFile().get(), arguments.commandLine(), result);
            out.println("figures written to " + arguments.benchmarksFile().get());
        }
        System.exit(result.exitCode());
    }
}
