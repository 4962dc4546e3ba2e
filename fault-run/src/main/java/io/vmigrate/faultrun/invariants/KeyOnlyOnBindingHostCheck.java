package io.vmigrate.faultrun.invariants;

import io.vmigrate.forensics.BindingRow;
import io.vmigrate.securezone.InstalledVmKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@link Invariant#KEY_ONLY_ON_BINDING_HOST}: each bound VM's key is installed in the secure zone of exactly its
 * binding's host, with the binding's epoch and key fingerprint, and in no other zone; no zone holds a key of an
 * unbound VM.
 */
public final class KeyOnlyOnBindingHostCheck {

    private KeyOnlyOnBindingHostCheck() {}

    private record Held(String host, InstalledVmKey key) {}

    public static InvariantResult check(PerHost<InstalledVmKey> installed, Map<String, InventoryRecord> bindings) {
        List<Violation> violations = new ArrayList<>();
        installed.unreadable().forEach((host, why) -> violations.add(violation(
                "cannot read the installed VM keys of host " + host + ": " + why, List.of())));
        Map<String, List<Held>> holders = new TreeMap<>();
        installed.byHost().forEach((host, keys) -> keys.forEach(
                key -> holders.computeIfAbsent(key.vmId(), vm -> new ArrayList<>()).add(new Held(host, key))));
        for (var entry : bindings.entrySet()) {
            String vm = entry.getKey();
            BindingRow binding = entry.getValue().binding();
            String bindingAt = "binding at " + entry.getValue().at();
            List<Held> held = holders.getOrDefault(vm, List.of());
            if (held.stream().noneMatch(h -> h.host().equals(binding.hostId()))) {
                violations.add(violation("the key of VM " + vm + " is not installed on host " + binding.hostId()
                        + ", which its binding names (epoch " + binding.epoch() + ", key " + binding.keyFingerprint() + ")",
                        List.of(bindingAt)));
            }
            for (Held h : held) {
                InstalledVmKey key = h.key();
                if (!h.host().equals(binding.hostId())) {
                    violations.add(violation("a key of VM " + vm + " (epoch " + key.epoch() + ", key " + key.keyFingerprint()
                            + ", from migration " + key.migrationId() + ") is still installed on host " + h.host()
                            + "; its binding names host " + binding.hostId(), List.of(bindingAt, zoneOf(h.host()))));
                } else if (key.epoch() != binding.epoch() || !key.keyFingerprint().equals(binding.keyFingerprint())) {
                    violations.add(violation("host " + h.host() + " holds the key of VM " + vm + " for epoch " + key.epoch()
                            + " (key " + key.keyFingerprint() + "), its binding says epoch " + binding.epoch() + " (key "
                            + binding.keyFingerprint() + ")", List.of(bindingAt, zoneOf(h.host()))));
                }
            }
        }
        holders.forEach((vm, held) -> {
            if (!bindings.containsKey(vm)) {
                held.forEach(h -> violations.add(violation("host " + h.host() + " holds a key of VM " + vm + " (epoch "
                        + h.key().epoch() + "), which has no binding", List.of(zoneOf(h.host())))));
            }
        });
        String summary = installed.count() + " VM keys in " + (installed.byHost().size() + installed.unreadable().size())
                + " secure zones for " + bindings.size() + " bindings";
        return new InvariantResult(Invariant.KEY_ONLY_ON_BINDING_HOST, summary, violations, List.of());
    }

    private static String zoneOf(String host) {
        return "hosts/" + host + "/secure-zone";
    }

    private static Violation violation(String detail, List<String> evidence) {
        return new Violation(Invariant.KEY_ONLY_ON_BINDING_HOST, detail, evidence);
    }
}
