package io.vmigrate.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.vmigrate.embedded.broker.KafkaNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A node running in its own JVM ({@code kafka.Kafka server.properties} via {@link ChildNodeMain}). */
final class ChildJvmKafkaNode extends KafkaNode {

    private static final Logger LOG = LoggerFactory.getLogger(ChildJvmKafkaNode.class);

    private final List<String> jvmOptions;
    private final String classpath;
    private volatile Process process;

    ChildJvmKafkaNode(int id, Path nodeDir, int brokerPort, Map<String, String> config, List<String> jvmOptions,
                      String classpath) {
        super(id, nodeDir, brokerPort, config);
        this.jvmOptions = List.copyOf(jvmOptions);
        this.classpath = classpath;
    }

    Path logFile() {
        return nodeDir().resolve("server.log");
    }

    @Override
    public String logHint() {
        return logFile().toString();
    }

    @Override
    public synchronized void start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("node " + id() + " is already running (pid " + process.pid() + ")");
        }
        writeServerProperties();
        Path logbackXml = nodeDir().resolve("logback-node.xml");
        Files.writeString(logbackXml, LOGBACK_XML, StandardCharsets.UTF_8);
        // The classpath can be long: pass it through a JVM @argfile.
        Path argFile = nodeDir().resolve("jvm.args");
        Files.writeString(argFile, "-cp\n\"" + classpath.replace("\\", "\\\\") + "\"\n", StandardCharsets.UTF_8);

        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-Dlogback.configurationFile=" + logbackXml);
        command.add("-D" + ChildNodeMain.PARENT_PID_PROPERTY + "=" + ProcessHandle.current().pid());
        command.add("@" + argFile);
        command.add(ChildNodeMain.class.getName());
        command.add(serverPropertiesFile().toString());

        Files.writeString(logFile(), "==== starting node " + id() + ": " + String.join(" ", command) + System.lineSeparator(),
            StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        ProcessBuilder pb = new ProcessBuilder(command)
            .directory(nodeDir().toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
            .redirectInput(ProcessBuilder.Redirect.PIPE);
        process = pb.start();
        process.getOutputStream().close();
        LOG.info("started Kafka node {} as child JVM pid {} (log {})", id(), process.pid(), logFile());
    }

    /** Sends SIGTERM (Kafka's shutdown hook does a controlled shutdown) without waiting. */
    @Override
    public void requestStop() {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.destroy();
        }
    }

    @Override
    public void stop(Duration timeout) {
        Process p = process;
        if (p == null) {
            return;
        }
        requestStop();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("Kafka node {} (pid {}) did not exit within {} ms, killing it", id(), p.pid(), timeout.toMillis());
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void kill() {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroyForcibly();
        try {
            p.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isAlive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    @Override
    public String deathReason() {
        Process p = process;
        if (p == null || p.isAlive()) {
            return null;
        }
        return "child JVM pid " + p.pid() + " exited with code " + p.exitValue() + "; last log lines:"
            + System.lineSeparator() + tail(logFile(), 30);
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join(System.lineSeparator(), all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    private static final String LOGBACK_XML = """
        <configuration>
          <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
            <encoder><pattern>%d{ISO8601} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>
          </appender>
          <logger name="kafka.request.logger" level="WARN"/>
          <logger name="org.apache.kafka.clients" level="WARN"/>
          <logger name="org.apache.kafka.common.utils.AppInfoParser" level="WARN"/>
          <logger name="kafka.log" level="WARN"/>
          <logger name="org.apache.kafka.common.config.AbstractConfig" level="WARN"/>
          <logger name="org.apache.kafka.storage.internals.log" level="WARN"/>
          <root level="INFO"><appender-ref ref="OUT"/></root>
        </configuration>
        """;
}
