package io.vmigrate.center;

import io.vmigrate.common.testing.ManualClock;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.center.CenterKeyRotationRequestHandler.Result;
import io.vmigrate.schema.operator.CenterKeyRotationRequests;
import io.vmigrate.schema.registry.CenterKeyRotation;
import io.vmigrate.schema.request.HostRetirement;
import io.vmigrate.schema.request.OperatorRequest;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.trust.Suite;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A rotation request is performed once, whichever center instance sharing the vault reads it, however often. */
class CenterKeyRotationRequestHandlerTest {

    private static final char[] PASSWORD = "test-password".toCharArray();

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(CenterHarness.START);
    private final Topics topics = Topics.withDefaultWireFormat();
    private final TestOperator admin = new TestOperator(Suite.INTL, "ada", io.vmigrate.schema.operator.OperatorRole.ADMIN, clock);
    private final TestOperator operator = new TestOperator(Suite.INTL, "olga",
            io.vmigrate.schema.operator.OperatorRole.OPERATOR, clock);
    private final TestOperator stranger = new TestOperator(Suite.INTL, "eve", io.vmigrate.schema.operator.OperatorRole.ADMIN, clock);

    @Test
    void eachRequestRotatesOnceAndAnotherInstanceTakesTheNewKeyUp() throws Exception {
        Path file = dir.resolve("vault.bcfks");
        byte[] a;
        try (CenterVault first = CenterVault.openOrCreate(file, PASSWORD, Suite.INTL);
                CenterVault second = CenterVault.openOrCreate(file, PASSWORD, Suite.INTL)) {
            List<String> performed = new ArrayList<>();
            CenterKeyRotationRequestHandler one = handler(first, performed);
            CenterKeyRotationRequestHandler other = handler(second, performed);
            a = encode(admin.sign(CenterKeyRotationRequests.body()));
            byte[] b = encode(admin.sign(CenterKeyRotationRequests.body()));

            assertThat(one.handle(a, "t-0@0")).isEqualTo(Result.ROTATED);
            assertThat(one.handle(a, "t-0@0")).as("read again").isEqualTo(Result.ALREADY_DONE);
            assertThat(other.handle(a, "t-0@0")).as("by the other instance").isEqualTo(Result.ALREADY_DONE);
            assertThat(second.signingPublicKey()).as("which took the rotation up").isEqualTo(first.signingPublicKey());
            assertThat(other.handle(b, "t-0@1")).isEqualTo(Result.ROTATED);
            assertThat(one.handle(b, "t-0@1")).isEqualTo(Result.ALREADY_DONE);
            assertThat(first.signingPublicKey()).isEqualTo(second.signingPublicKey());
            assertThat(performed).hasSize(2).doesNotHaveDuplicates();
            assertThat(first.rotations()).extracting(CenterKeyRotation::getSequence).containsExactly(1L, 2L);
        }
        try (CenterVault restarted = CenterVault.openOrCreate(file, PASSWORD, Suite.INTL)) {
            List<String> performed = new ArrayList<>();
            assertThat(handler(restarted, performed).handle(a, "t-0@0")).as("after a restart").isEqualTo(Result.ALREADY_DONE);
            assertThat(performed).isEmpty();
            assertThat(restarted.rotations()).hasSize(2);
        }
    }

    @Test
    void aRecordThatIsNotARotationRequestChangesNothing() throws Exception {
        try (CenterVault vault = CenterVault.openOrCreate(dir.resolve("vault.bcfks"), PASSWORD, Suite.INTL)) {
            List<String> performed = new ArrayList<>();
            CenterKeyRotationRequestHandler handler = handler(vault, performed);
            assertThat(handler.handle(encode(admin.sign(HostRetirement.newBuilder().setHostId("h1").build())), "t-0@0"))
                    .isEqualTo(Result.IGNORED);
            assertThat(handler.handle(new byte[] {1, 2, 3}, "t-0@1")).isEqualTo(Result.IGNORED);
            // Written past the gate (the topic's ACL bypassed): verified again, so none of these rotates.
            assertThat(handler.handle(encode(operator.sign(CenterKeyRotationRequests.body())), "t-0@4"))
                    .as("an operator's").isEqualTo(Result.IGNORED);
            assertThat(handler.handle(encode(stranger.sign(CenterKeyRotationRequests.body())), "t-0@5"))
                    .as("an unknown key's").isEqualTo(Result.IGNORED);
            OperatorRequest forged = admin.sign(CenterKeyRotationRequests.body());
            forged.setRequestId(forged.getRequestId() + "-altered");
            assertThat(handler.handle(encode(forged), "t-0@6")).as("altered after signing").isEqualTo(Result.IGNORED);
            assertThat(handler.handle(null, "t-0@2")).isEqualTo(Result.IGNORED);
            assertThat(handler.handle(new byte[OperatorRequestGate.MAX_RECORD_BYTES + 1], "t-0@3")).isEqualTo(Result.IGNORED);
            assertThat(performed).isEmpty();
            assertThat(vault.rotations()).isEmpty();
        }
    }

    /** What the rotator does with the vault, without the bus: seal, record the request, activate. */
    private CenterKeyRotationRequestHandler handler(CenterVault vault, List<String> performed) {
        return new CenterKeyRotationRequestHandler(vault, requestId -> {
            CenterKeyRotation statement = vault.rotate(clock.instant(), Duration.ofHours(1));
            vault.recordRequest(statement, requestId);
            vault.activate(statement);
            performed.add(requestId);
            return statement;
        }, topics.centerKeyRotations().valueSerde().deserializer(), () -> new io.vmigrate.schema.operator.OperatorRequestOpener(
                io.vmigrate.schema.operator.OperatorsFile.of(List.of(admin.known(), operator.known())), clock, Duration.ZERO));
    }

    private byte[] encode(OperatorRequest request) {
        return topics.centerKeyRotations().valueSerde().serializer().serialize(Topics.CENTER_KEY_ROTATIONS, request);
    }
}
