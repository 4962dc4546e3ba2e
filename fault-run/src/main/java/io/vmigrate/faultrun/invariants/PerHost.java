package io.vmigrate.faultrun.invariants;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What was read from each host's own state (its hypervisor's VMs, its secure zone's keys), and the hosts
 * whose state could not be read, with why: an unreadable host is a violation, never an empty one.
 */
public record PerHost<T>(Map<String, List<T>> byHost, Map<String, String> unreadable) {

    public PerHost {
        Map<String, List<T>> copy = new TreeMap<>();
        byHost.forEach((host, items) -> copy.put(host, List.copyOf(items)));
        byHost = java.util.Collections.unmodifiableMap(copy);
        unreadable = java.util.Collections.unmodifiableMap(new TreeMap<>(unreadable));
    }

    public int count() {
        return byHost.values().stream().mapToInt(List::size).sum();
    }
}
