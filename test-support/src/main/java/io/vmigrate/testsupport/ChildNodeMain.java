package io.vmigrate.testsupport;

/**
 * Entry point of a child-JVM Kafka node: {@code ChildNodeMain <server.properties>}. It arms a watchdog that
 * exits this JVM (running Kafka's own shutdown hook) when the parent JVM disappears, so that a crashed test
 * or CLI process does not leave orphan brokers behind, then delegates to {@code kafka.Kafka.main}.
 */
final class ChildNodeMain {

    static final String PARENT_PID_PROPERTY = "vmigrate.embedded.parent.pid";

    private ChildNodeMain() {
    }

    public static void main(String[] args) {
        String parentPid = System.getProperty(PARENT_PID_PROPERTY);
        if (parentPid != null && !parentPid.isBlank()) {
            ProcessHandle.of(Long.parseLong(parentPid.trim())).ifPresentOrElse(
                parent -> parent.onExit().thenRun(() -> {
                    System.err.println("vmigrate: parent process " + parentPid + " exited, stopping Kafka node");
                    System.exit(3);
                }),
                () -> {
                    System.err.println("vmigrate: parent process " + parentPid + " not found, not starting");
                    System.exit(3);
                });
        }
        kafka.Kafka.main(args);
    }
}
