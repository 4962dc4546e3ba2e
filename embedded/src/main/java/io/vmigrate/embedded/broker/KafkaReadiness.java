package io.vmigrate.embedded.broker;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeLogDirsOptions;
import org.apache.kafka.common.Node;

/** Waits until Kafka nodes answer: their ports accept connections, every broker is registered, each answers. */
public final class KafkaReadiness {

    private KafkaReadiness() {
    }

    /**
     * Waits until each of {@code waitFor} answers requests and all of {@code all} are registered as brokers.
     * Fails with {@link IllegalStateException} naming the nodes and their logs when a node dies or the timeout passes.
     */
    public static void await(Map<Integer, ? extends KafkaNode> all, Collection<? extends KafkaNode> waitFor,
            Duration timeout, Map<String, Object> clientOverrides) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<Integer> expected = new TreeSet<>(all.keySet());
        List<Integer> mustAnswer = waitFor.stream().map(KafkaNode::id).collect(Collectors.toList());
        Map<String, Object> adminProps = new LinkedHashMap<>();
        adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
            all.values().stream().map(KafkaNode::brokerAddress).collect(Collectors.joining(",")));
        adminProps.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000);
        adminProps.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
        adminProps.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
        adminProps.put(AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 500);
        adminProps.putAll(clientOverrides);
        String lastProblem = "no answer yet";
        Set<Integer> registered = Set.of();
        // Phase 1: wait until the broker ports accept TCP connections (keeps the Admin client from logging
        // a connection warning every few hundred milliseconds while the JVMs boot).
        List<KafkaNode> pending = new ArrayList<>(waitFor);
        while (!pending.isEmpty() && System.nanoTime() - deadline < 0) {
            throwIfDead(waitFor);
            pending.removeIf(KafkaReadiness::acceptsConnections);
            if (!pending.isEmpty()) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                if (Thread.currentThread().isInterrupted()) {
                    throw new IllegalStateException("interrupted while waiting for Kafka");
                }
            }
        }
        try (Admin admin = Admin.create(adminProps)) {
            while (true) {
                throwIfDead(waitFor);
                try {
                    registered = admin.describeCluster(new DescribeClusterOptions().timeoutMs(3000)).nodes()
                        .get(4, TimeUnit.SECONDS).stream().map(Node::id).collect(Collectors.toCollection(TreeSet::new));
                    if (registered.containsAll(expected)) {
                        // DescribeLogDirs goes to each given broker itself: proves the node answers.
                        admin.describeLogDirs(mustAnswer, new DescribeLogDirsOptions().timeoutMs(3000))
                            .allDescriptions().get(4, TimeUnit.SECONDS);
                        return;
                    }
                    lastProblem = "registered brokers " + registered + ", expected " + expected;
                } catch (ExecutionException e) {
                    lastProblem = String.valueOf(e.getCause());
                } catch (TimeoutException e) {
                    lastProblem = "request timed out";
                }
                if (System.nanoTime() - deadline > 0) {
                    Set<Integer> missing = new TreeSet<>(mustAnswer);
                    if (!registered.isEmpty()) {
                        missing.removeAll(registered);
                    }
                    if (missing.isEmpty()) {
                        missing.addAll(mustAnswer);
                    }
                    String where = missing.stream().map(id -> "node " + id + ": " + all.get(id).logHint())
                        .collect(Collectors.joining("; "));
                    throw new IllegalStateException("embedded Kafka node(s) " + missing + " not ready within "
                        + timeout.toSeconds() + " s (" + lastProblem + "); see " + where);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Kafka", e);
        }
    }

    private static void throwIfDead(Collection<? extends KafkaNode> watched) {
        for (KafkaNode node : watched) {
            String death = node.deathReason();
            if (death != null) {
                throw new IllegalStateException("Kafka node " + node.id() + " died during startup: " + death
                    + System.lineSeparator() + "(full log: " + node.logHint() + ")");
            }
        }
    }

    private static boolean acceptsConnections(KafkaNode node) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), node.brokerPort()), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
