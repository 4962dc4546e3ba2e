package io.vmigrate.embedded.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.topic.Topics;
import java.util.List;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

/** What the declared ACLs allow, checked the way the authorizer matches them (literal names and prefixes). */
class BusAclsTest {

    private final Topics topics = Topics.withDefaultWireFormat();
    private final BusAcls acls = new BusAcls(topics);
    private final BusPrincipal center = acls.center("vmigrate-center");
    private final BusPrincipal h1 = acls.host("h1", "vmigrate-host-h1");
    private final BusPrincipal operator = acls.operator();
    private final BusPrincipal auditor = acls.auditor();

    @Test
    void aHostReadsOnlyItsOwnCommandTopicAndWritesOnlyWhatItsAgentProduces() {
        assertThat(allows(h1, AclOperation.READ, "host.h1.commands")).isTrue();
        assertThat(allows(h1, AclOperation.READ, "host.h2.commands")).isFalse();
        for (var topic : topics.sharedTopics()) {
            assertThat(allows(h1, AclOperation.READ, topic.name())).as("h1 reads %s", topic.name()).isFalse();
        }
        List<String> written = topics.sharedTopics().stream().map(t -> t.name())
                .filter(name -> allows(h1, AclOperation.WRITE, name)).toList();
        assertThat(written).containsExactlyInAnyOrder(Topics.HOST_EVENTS, Topics.SECURITY_ALERTS, Topics.DEAD_LETTER,
                Topics.HOST_ENROLLMENTS, Topics.VM_REGISTRATIONS);
        assertThat(allows(h1, AclOperation.WRITE, "host.h1.commands")).isFalse();
        assertThat(h1.acls()).filteredOn(b -> b.pattern().resourceType() == ResourceType.GROUP)
                .extracting(b -> b.pattern().name()).containsExactly("vmigrate-host-h1");
    }

    @Test
    void onlyTheCenterWritesWhatEveryoneTrusts() {
        for (String trusted : List.of(Topics.TRUST_REGISTRY, Topics.MIGRATION_AUDIT, Topics.VM_INVENTORY,
                Topics.MIGRATION_REJECTIONS, Topics.OPERATOR_REGISTRY, "host.h1.commands", "vmigrate-center-migrations-changelog")) {
            assertThat(allows(center, AclOperation.WRITE, trusted)).as("center writes %s", trusted).isTrue();
            for (BusPrincipal other : List.of(h1, operator, auditor)) {
                assertThat(allows(other, AclOperation.WRITE, trusted)).as("%s writes %s", other.name(), trusted).isFalse();
            }
        }
    }

    @Test
    void theClaimStepsTopicsAreTheCentersAlone() {
        for (var topic : List.of(topics.migrationIdClaims("vmigrate-center"), topics.claimedMigrationRequests("vmigrate-center"))) {
            for (AclOperation operation : List.of(AclOperation.CREATE, AclOperation.DESCRIBE, AclOperation.READ,
                    AclOperation.WRITE)) {
                assertThat(allows(center, operation, topic.name())).as("center %s %s", operation, topic.name()).isTrue();
            }
            for (BusPrincipal other : List.of(h1, operator, auditor)) {
                assertThat(allows(other, AclOperation.WRITE, topic.name())).as("%s writes %s", other.name(), topic.name())
                        .isFalse();
                assertThat(allows(other, AclOperation.READ, topic.name())).as("%s reads %s", other.name(), topic.name())
                        .isFalse();
            }
        }
    }

    @Test
    void anOperatorWritesOnlyRequestsAndAnAuditorNothing() {
        assertThat(operator.acls()).filteredOn(b -> b.entry().operation() == AclOperation.WRITE)
                .extracting(b -> b.pattern().name()).containsExactly(Topics.MIGRATION_REQUESTS, topics.hostApprovals().name(),
                        topics.operatorGrants().name());
        assertThat(auditor.acls()).extracting(b -> b.entry().operation()).containsOnly(AclOperation.READ);
        for (var topic : topics.sharedTopics()) {
            assertThat(allows(auditor, AclOperation.READ, topic.name())).isTrue();
        }
        assertThat(allows(auditor, AclOperation.READ, "vmigrate-center-vm-keys-changelog")).isFalse();
    }

    @Test
    void everyGrantIsAnAllowForItsOwnPrincipal() {
        for (BusPrincipal principal : List.of(center, h1, operator, auditor)) {
            assertThat(principal.acls()).allSatisfy(b -> {
                assertThat(b.entry().principal()).isEqualTo("User:" + principal.name());
                assertThat(b.entry().permissionType()).isEqualTo(AclPermissionType.ALLOW);
            });
        }
    }

    /** Whether a binding of {@code principal} allows {@code operation} on topic {@code topic} (ALL covers all). */
    private static boolean allows(BusPrincipal principal, AclOperation operation, String topic) {
        for (AclBinding b : principal.acls()) {
            boolean matches = b.pattern().resourceType() == ResourceType.TOPIC
                    && (b.pattern().patternType() == PatternType.LITERAL ? b.pattern().name().equals(topic)
                    : topic.startsWith(b.pattern().name()));
            if (matches && (b.entry().operation() == operation || b.entry().operation() == AclOperation.ALL)) {
                return true;
            }
        }
        return false;
    }
}
