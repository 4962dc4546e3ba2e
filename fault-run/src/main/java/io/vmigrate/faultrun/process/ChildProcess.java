package io.vmigrate.faultrun.process;

import io.vmigrate.testsupport.ChildJvmClasspath;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One component of the run as its own JVM (a center instance, a secure zone, a host agent), started from its
 * real {@code main} with a properties file and its passwords in the environment. It can be killed with
 * SIGKILL, paused with SIGSTOP and resumed, stopped with SIGTERM and started again on the same files.
 */
public final class ChildProcess {

    private static final Logger LOG = LoggerFactory.getLogger(ChildProcess.class);

    private final String name;
    private final String mainClass;
    private final List<String> arguments;
    private final Map<String, String> environment;
    private final List<String> jvmOptions;
    private final Path logFile;
    private final Path argFile;
    private Process process;
    private boolean expectedDown = true;
    private int starts;

    public ChildProcess(String name, String mainClass, List<String> arguments, Map<String, String> environment,
            List<String> jvmOptions, Path logsDir) {
        this.name = Objects.requireNonNull(name, "name");
        this.mainClass = Objects.requireNonNull(mainClass, "mainClass");
        this.arguments = List.copyOf(arguments);
        this.environment = Map.copyOf(environment);
        this.jvmOptions = List.copyOf(jvmOptions);
        this.logFile = logsDir.resolve(name + ".log");
        this.argFile = logsDir.resolve(name + ".jvm-args");
    }

    public String name() {
        return name;
    }

    public Path logFile() {
        return logFile;
    }

    public synchronized void start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is already running (pid " + process.pid() + ")");
        }
        try {
            Files.createDirectories(logFile.getParent());
            // The classpath is long: through a JVM @argfile.
            Files.writeString(argFile, "-cp\n\"" + ChildJvmClasspath.compute().replace("\\", "\\\\") + "\"\n",
                    StandardCharsets.UTF_8);
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmOptions);
            command.add("@" + argFile);
            command.add(ChildComponentMain.class.getName());
            command.add(Long.toString(ProcessHandle.current().pid()));
            command.add(mainClass);
            command.addAll(arguments);
            Files.writeString(logFile, "==== " + Instant.now() + " starting " + name + System.lineSeparator(),
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            builder.environment().putAll(environment);
            process = builder.start();
            process.getOutputStream().close();
            expectedDown = false;
            starts++;
            LOG.info("started {} as pid {} (log {})", name, process.pid(), logFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    /** kill -9: no shutdown hook runs, nothing is flushed that was not already durable. */
    public synchronized void kill() {
        expectedDown = true;
        if (process != null && process.isAlive()) {
            LOG.info("kill -9 {} (pid {})", name, process.pid());
            process.destroyForcibly();
            awaitExit(Duration.ofSeconds(30));
        }
    }

    /** SIGTERM, then SIGKILL if it has not exited within {@code timeout}. */
    public synchronized void stop(Duration timeout) {
        expectedDown = true;
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!awaitExit(timeout)) {
                LOG.warn("{} did not stop within {}; killing it", name, timeout);
                process.destroyForcibly();
                awaitExit(Duration.ofSeconds(30));
            }
        }
    }

    /** SIGSTOP: the process holds its sockets and sessions but answers nothing until {@link #resume()}. */
    public synchronized void pause() {
        signal("STOP");
    }

    public synchronized void resume() {
        signal("CONT");
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Whether it is down without the run having killed or stopped it: a component that died by itself. */
    public synchronized boolean diedUnexpectedly() {
        return !expectedDown && process != null && !process.isAlive();
    }

    public synchronized String exitDescription() {
        return process == null || process.isAlive() ? name + " running"
                : name + " exited with code " + process.exitValue() + " (log " + logFile + ")";
    }

    public synchronized int starts() {
        return starts;
    }

    private boolean awaitExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    private void signal(String signal) {
        if (process == null || !process.isAlive()) {
            throw new IllegalStateException(name + " is not running");
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + name + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot signal " + name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted signalling " + name, e);
        }
    }
}
