package io.vmigrate.forensics;

import io.vmigrate.schema.topic.Topics;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** The topics a forensic export holds: the shared protocol topics and every host command topic. */
public final class ProtocolTopicNames {

    public static final Set<String> SHARED = Set.of(Topics.MIGRATION_REQUESTS, Topics.MIGRATION_REJECTIONS,
            Topics.HOST_EVENTS, Topics.MIGRATION_AUDIT, Topics.TRUST_REGISTRY, Topics.VM_INVENTORY,
            Topics.SECURITY_ALERTS, Topics.HOST_ENROLLMENTS, Topics.VM_REGISTRATIONS, Topics.HOST_APPROVALS);

    private ProtocolTopicNames() {}

    public static boolean isProtocolTopic(String name) {
        return SHARED.contains(name) || Topics.HOST_COMMANDS_PATTERN.matcher(name).matches();
    }

    /** The protocol topics among {@code existing}, sorted by name (the export and replay order). */
    public static List<String> select(Collection<String> existing) {
        TreeSet<String> selected = new TreeSet<>();
        existing.stream().filter(ProtocolTopicNames::isProtocolTopic).forEach(selected::add);
        return List.copyOf(selected);
    }
}
