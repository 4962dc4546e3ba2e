package io.vmigrate.embedded.broker;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A node running in this JVM as a {@link KafkaRaftServer}. */
final class InProcessKafkaNode extends KafkaNode {

    private static final Logger LOG = LoggerFactory.getLogger(InProcessKafkaNode.class);

    private volatile KafkaRaftServer server;

    InProcessKafkaNode(int id, Path nodeDir, int brokerPort, Map<String, String> config) {
        super(id, nodeDir, brokerPort, config);
    }

    @Override
    public String logHint() {
        return "the application log of this JVM (node " + id() + " runs in-process; config "
            + serverPropertiesFile() + ")";
    }

    @Override
    public synchronized void start() {
        if (server != null) {
            throw new IllegalStateException("node " + id() + " is already running");
        }
        writeServerProperties();
        KafkaRaftServer s = new KafkaRaftServer(new KafkaConfig(config(), false), Time.SYSTEM);
        try {
            s.startup();
        } catch (RuntimeException | Error e) {
            try {
                s.shutdown();
                s.awaitShutdown();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        server = s;
    }

    @Override
    public void stop(Duration timeout) {
        KafkaRaftServer s;
        synchronized (this) {
            s = server;
            server = null;
        }
        if (s == null) {
            return;
        }
        Thread stopper = new Thread(() -> {
            s.shutdown();
            s.awaitShutdown();
        }, "embedded-kafka-stop-" + id());
        stopper.setDaemon(true);
        stopper.start();
        try {
            stopper.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (stopper.isAlive()) {
            LOG.warn("in-process Kafka node {} did not shut down within {} ms; abandoning it", id(),
                TimeUnit.MILLISECONDS.convert(timeout));
        }
    }

    /** An in-process server cannot be killed abruptly; this is a (bounded) shutdown. */
    @Override
    public void kill() {
        stop(Duration.ofSeconds(30));
    }

    @Override
    public boolean isAlive() {
        return server != null;
    }

    @Override
    public String deathReason() {
        return null;
    }
}
