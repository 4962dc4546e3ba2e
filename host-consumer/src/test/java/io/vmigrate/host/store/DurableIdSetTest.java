package io.vmigrate.host.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurableIdSetTest {

    @TempDir
    Path dir;

    @Test
    void remembersAcrossReopening() throws Exception {
        Path file = dir.resolve("registered-vms");
        DurableIdSet ledger = DurableIdSet.open(file);
        ledger.add("vm-1");
        ledger.add("vm-2");
        ledger.remove("vm-1");

        DurableIdSet reopened = DurableIdSet.open(file);
        assertThat(reopened.ids()).containsExactly("vm-2");
        assertThat(reopened.contains("vm-1")).isFalse();
    }
}
