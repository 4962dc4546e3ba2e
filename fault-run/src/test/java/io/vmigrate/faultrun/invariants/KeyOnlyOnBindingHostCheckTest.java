package io.vmigrate.faultrun.invariants;

import static io.vmigrate.faultrun.invariants.Records.binding;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.securezone.InstalledVmKey;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeyOnlyOnBindingHostCheckTest {

    static final Map<String, InventoryRecord> BINDINGS = InventoryRecord.current(List.of(
            binding(0, "vm-a", "h1", 0, null, 0), binding(1, "vm-b", "h2", 1, "m1", 0)));

    static InstalledVmKey key(String vm, long epoch) {
        return new InstalledVmKey(vm, epoch, "key-" + vm + "-" + epoch, "m", new byte[] {1, 2, 3});
    }

    @Test
    void eachKeyOnItsBindingHostOnlyHolds() {
        var result = KeyOnlyOnBindingHostCheck.check(new PerHost<>(Map.of("h1", List.of(key("vm-a", 0)),
                "h2", List.of(key("vm-b", 1)), "h3", List.of()), Map.of()), BINDINGS);

        assertThat(result.holds()).isTrue();
        assertThat(result.summary()).isEqualTo("2 VM keys in 3 secure zones for 2 bindings");
    }

    @Test
    void aKeyLeftOnAnotherHostAStaleEpochAMissingKeyAndAKeyOfNoBindingAreEachNamed() {
        var result = KeyOnlyOnBindingHostCheck.check(new PerHost<>(Map.of("h1", List.of(key("vm-a", 0), key("vm-b", 0)),
                "h2", List.of(), "h3", List.of(key("vm-c", 0))), Map.of("h4", "wrong password")), BINDINGS);

        assertThat(result.violations()).extracting(Violation::detail).containsExactly(
                "cannot read the installed VM keys of host h4: wrong password",
                "the key of VM vm-b is not installed on host h2, which its binding names (epoch 1, key key-vm-b-1)",
                "a key of VM vm-b (epoch 0, key key-vm-b-0, from migration m) is still installed on host h1; "
                        + "its binding names host h2",
                "host h3 holds a key of VM vm-c (epoch 0), which has no binding");
    }

    @Test
    void aKeyOfAnotherEpochOnTheBindingHostIsNamed() {
        var result = KeyOnlyOnBindingHostCheck.check(new PerHost<>(Map.of("h1", List.of(key("vm-a", 0)),
                "h2", List.of(key("vm-b", 0))), Map.of()), BINDINGS);

        assertThat(result.violations()).singleElement().satisfies(v -> {
            assertThat(v.detail()).isEqualTo("host h2 holds the key of VM vm-b for epoch 0 (key key-vm-b-0), its binding "
                    + "says epoch 1 (key key-vm-b-1)");
            assertThat(v.evidence()).containsExactly("binding at vm.inventory/0@1", "hosts/h2/secure-zone");
        });
    }
}
