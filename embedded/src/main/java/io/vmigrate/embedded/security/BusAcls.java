package io.vmigrate.embedded.security;

import io.vmigrate.schema.topic.Topic;
import io.vmigrate.schema.topic.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Who may do what on the bus, declared once from the typed {@link Topics}. The authorizer denies whatever is
 * not listed here ({@code allow.everyone.if.no.acl.found=false}); {@code admin} is the only super user.
 *
 * <ul>
 *   <li>the center reads and writes every protocol topic, writes every host's command topic and owns the
 *       topics, groups and transactional ids prefixed with its Kafka Streams application id;</li>
 *   <li>a host reads (and may create) only its own {@code host.<id>.commands}, writes only what its agent
 *       produces (replies, alerts, dead letters, enrollment and registration requests) and commits only its
 *       own consumer group;</li>
 *   <li>an operator writes {@code migration.requests} and {@code host.approvals} and reads what the CLI reads;</li>
 *   <li>an auditor reads the same and writes nothing.</li>
 * </ul>
 * Nobody but the center writes {@code trust.registry}, {@code migration.audit}, {@code vm.inventory},
 * {@code migration.rejections}, command topics or the center's internal topics. READ and WRITE imply DESCRIBE.
 */
public final class BusAcls {

    public static final String CENTER = "center";
    public static final String OPERATOR = "operator";
    public static final String AUDITOR = "auditor";
    /** Every per-host command topic starts so (and {@code host.events}, {@code host.enrollments}). */
    private static final String HOST_TOPICS_PREFIX = "host.";

    private final Topics topics;

    public BusAcls(Topics topics) {
        this.topics = Objects.requireNonNull(topics, "topics");
    }

    /** The bus principal of host {@code hostId}'s agent. */
    public static String hostPrincipal(String hostId) {
        return io.vmigrate.cli.operator.HostBusAccess.principal(hostId);
    }

    static String kafkaPrincipal(String name) {
        return "User:" + name;
    }

    /** The center; {@code applicationId} is its Kafka Streams application id (every instance shares it). */
    public BusPrincipal center(String applicationId) {
        Grants g = new Grants(CENTER);
        for (Topic<?, ?> topic : topics.sharedTopics()) {
            g.topic(topic.name(), PatternType.LITERAL, AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE,
                    AclOperation.DESCRIBE_CONFIGS);
        }
        g.topic(HOST_TOPICS_PREFIX, PatternType.PREFIXED, AclOperation.WRITE);
        // Changelogs and repartition topics, the consumer group and the exactly-once transactional ids.
        g.topic(applicationId, PatternType.PREFIXED, AclOperation.ALL);
        g.add(ResourceType.GROUP, applicationId, PatternType.PREFIXED, AclOperation.ALL);
        g.add(ResourceType.TRANSACTIONAL_ID, applicationId, PatternType.PREFIXED, AclOperation.ALL);
        return g.principal();
    }

    /** Host {@code hostId}'s agent, whose consumer group is {@code consumerGroup}. */
    public BusPrincipal host(String hostId, String consumerGroup) {
        Grants g = new Grants(hostPrincipal(hostId));
        g.topic(topics.hostCommands(hostId).name(), PatternType.LITERAL, AclOperation.READ, AclOperation.CREATE);
        for (Topic<?, ?> produced : List.of(topics.hostEvents(), topics.securityAlerts(), topics.deadLetter(),
                topics.hostEnrollments(), topics.vmRegistrations())) {
            g.topic(produced.name(), PatternType.LITERAL, AclOperation.WRITE);
        }
        g.add(ResourceType.GROUP, consumerGroup, PatternType.LITERAL, AclOperation.READ);
        return g.principal();
    }

    /**
     * The operator: sends migration requests, host approvals or retirements and admin-signed operator grants
     * (the admin key's signature, not the login, is what the center checks), reads everything the CLI shows.
     */
    public BusPrincipal operator() {
        Grants g = readsLikeTheCli(OPERATOR);
        g.topic(topics.migrationRequests().name(), PatternType.LITERAL, AclOperation.WRITE);
        g.topic(topics.hostApprovals().name(), PatternType.LITERAL, AclOperation.WRITE);
        g.topic(topics.operatorGrants().name(), PatternType.LITERAL, AclOperation.WRITE);
        return g.principal();
    }

    /** The auditor: reads everything the CLI shows, writes nothing. */
    public BusPrincipal auditor() {
        return readsLikeTheCli(AUDITOR).principal();
    }

    /**
     * Every protocol topic (the forensic replay reads them all, command topics included) and consumer groups
     * named after the principal ({@code auditor-...}) for Kafka's console consumer; the CLI itself needs no group.
     */
    private Grants readsLikeTheCli(String name) {
        Grants g = new Grants(name);
        for (Topic<?, ?> topic : topics.sharedTopics()) {
            g.topic(topic.name(), PatternType.LITERAL, AclOperation.READ);
        }
        g.topic(HOST_TOPICS_PREFIX, PatternType.PREFIXED, AclOperation.READ);
        g.add(ResourceType.GROUP, name + "-", PatternType.PREFIXED, AclOperation.READ);
        return g;
    }

    private static final class Grants {
        private final String name;
        private final List<AclBinding> bindings = new ArrayList<>();

        Grants(String name) {
            this.name = name;
        }

        void topic(String topic, PatternType pattern, AclOperation... operations) {
            add(ResourceType.TOPIC, topic, pattern, operations);
        }

        void add(ResourceType type, String resource, PatternType pattern, AclOperation... operations) {
            for (AclOperation operation : operations) {
                bindings.add(new AclBinding(new ResourcePattern(type, resource, pattern),
                        new AccessControlEntry(kafkaPrincipal(name), "*", operation, AclPermissionType.ALLOW)));
            }
        }

        BusPrincipal principal() {
            return new BusPrincipal(name, bindings);
        }
    }
}
