package io.vmigrate.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProfileSummaryTest {

    @Test
    void samplesAreSharedByComponentFromTheThreadAndByKindFromTheFrames() {
        String summary = ProfileSummary.summarize(List.of(
                "[vmigrate-center-1-StreamThread-1];java/lang/Thread.run;org/bouncycastle/math/ec/ECPoint.multiply 60",
                "[vmigrate-center-1-StreamThread-1];java/lang/Thread.run;org/apache/avro/io/BinaryEncoder.writeLong 20",
                "[host-agent-h1];java/lang/Thread.run;sun/nio/ch/FileDispatcherImpl.force0 15",
                "[secure-zone-h1-connection];java/lang/Thread.run;io/vmigrate/securezone/SecureZone.serve 5",
                "not a stack line"), "test");

        assertThat(summary).contains("100 samples.")
                .contains("| center (Kafka Streams) | 80.0 % | crypto 75 %, Avro (de)serialization 25 % |")
                .contains("| host agents | 15.0 % | fsync / file force 100 % |")
                .contains("| secure zones | 5.0 % | other (our code, JDK) 100 % |")
                .contains("`org.bouncycastle.math.ec.ECPoint.multiply` 75 %");
    }
}
