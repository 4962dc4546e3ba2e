package io.vmigrate.cli.datadir;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrokerAddressFileTest {

    @TempDir
    Path dataDir;

    @Test
    void writeReadDeleteRoundTrip() {
        assertThat(BrokerAddressFile.read(dataDir)).isEmpty();
        Path file = BrokerAddressFile.write(dataDir, "127.0.0.1:9092,127.0.0.1:9093");
        assertThat(file).isEqualTo(dataDir.resolve("cluster.properties"));
        assertThat(BrokerAddressFile.read(dataDir)).contains("127.0.0.1:9092,127.0.0.1:9093");
        BrokerAddressFile.write(dataDir, "127.0.0.1:1234");
        assertThat(BrokerAddressFile.read(dataDir)).contains("127.0.0.1:1234");
        BrokerAddressFile.delete(dataDir);
        assertThat(BrokerAddressFile.read(dataDir)).isEmpty();
        BrokerAddressFile.delete(dataDir);
    }

    @Test
    void missingDirectoryReadsAsEmpty() {
        assertThat(BrokerAddressFile.read(dataDir.resolve("does-not-exist"))).isEmpty();
    }
}
