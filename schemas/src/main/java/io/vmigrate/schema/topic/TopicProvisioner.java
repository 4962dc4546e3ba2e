package io.vmigrate.schema.topic;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates protocol topics with their declared configs; topics that already exist are left as they
 * are. Every topic the center consumes gets the same partition count, so records keyed by VM id are
 * co-partitioned across them.
 */
public final class TopicProvisioner {

    private static final Logger LOG = LoggerFactory.getLogger(TopicProvisioner.class);
    private static final long TIMEOUT_SECONDS = 60;

    private final Admin admin;
    private final int partitions;
    private final short replicationFactor;

    public TopicProvisioner(Admin admin, int partitions, short replicationFactor) {
        this.admin = Objects.requireNonNull(admin, "admin");
        if (partitions < 1 || replicationFactor < 1) {
            throw new IllegalArgumentException("partitions and replication factor must be positive");
        }
        this.partitions = partitions;
        this.replicationFactor = replicationFactor;
    }

    /** Creates the shared topics of the protocol. */
    public void provisionShared(Topics topics) {
        provision(topics.sharedTopics());
    }

    /** Creates the given topics; returns when all exist. */
    public void provision(Collection<? extends Topic<?, ?>> wanted) {
        List<NewTopic> requests = new ArrayList<>();
        for (Topic<?, ?> topic : wanted) {
            requests.add(new NewTopic(topic.name(), Optional.of(partitions), Optional.of(replicationFactor))
                    .configs(topic.configs()));
        }
        var results = admin.createTopics(requests).values();
        for (var entry : results.entrySet()) {
            awaitCreated(entry.getKey(), entry.getValue());
        }
    }

    private static void awaitCreated(String name, KafkaFuture<Void> future) {
        try {
            future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            LOG.info("created topic {}", name);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                LOG.debug("topic {} already exists", name);
                return;
            }
            throw new IllegalStateException("cannot create topic " + name + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out creating topic " + name + " after " + TIMEOUT_SECONDS + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic " + name, e);
        }
    }
}
