package io.vmigrate.faultrun.process;

import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * Entry point of a component's child JVM: {@code ChildComponentMain <parentPid> <mainClass> [args...]}. It arms a
 * watchdog that ends this JVM when the run's JVM disappears, so a crashed run leaves no orphan components, then
 * calls the component's own {@code main}: the run starts the very classes a deployment starts.
 */
public final class ChildComponentMain {

    private ChildComponentMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: ChildComponentMain <parentPid> <mainClass> [args...]");
        }
        long parentPid = Long.parseLong(args[0]);
        ProcessHandle.of(parentPid).ifPresentOrElse(
                parent -> parent.onExit().thenRun(() -> {
                    System.err.println("vmigrate fault run: parent process " + parentPid + " exited, stopping");
                    System.exit(3);
                }),
                () -> {
                    System.err.println("vmigrate fault run: parent process " + parentPid + " not found, not starting");
                    System.exit(3);
                });
        Method main = Class.forName(args[1]).getMethod("main", String[].class);
        main.invoke(null, (Object) Arrays.copyOfRange(args, 2, args.length));
    }
}
