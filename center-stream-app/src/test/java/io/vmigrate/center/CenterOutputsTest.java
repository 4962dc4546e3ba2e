package io.vmigrate.center;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.alert.SecurityAlert;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.topic.DeadLetterHeaders;
import java.time.Clock;
import java.util.List;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.MockProcessorContext.CapturedForward;
import org.junit.jupiter.api.Test;

/** What the center forwards is bounded even when it names fields of a record no one has verified. */
class CenterOutputsTest {

    @Test
    void anAlertNamingIdsAsLongAsTheBrokerAllowsStaysSmall() {
        // A registration keyed by its own 524,000-character VM id fits the broker; an alert carrying that id as its
        // key and in its value would not, and a failed send stops the stream thread on that record every time.
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
        context.setRecordMetadata("vm.registrations", 1, 5);
        CenterOutputs outputs = new CenterOutputs(context, CenterTopology.WORKFLOW_SINKS, Clock.systemUTC(), CenterMetrics.NONE);
        String longId = "v".repeat(524_000);

        outputs.alert(RefusalReason.MALFORMED, "misplaced", longId, longId, longId, longId);

        List<CapturedForward<?, ?>> forwarded = context.forwarded();
        assertThat(forwarded).hasSize(1);
        SecurityAlert alert = (SecurityAlert) forwarded.get(0).record().value();
        for (String id : List.of(alert.getHostId(), alert.getMigrationId(), alert.getVmId(), alert.getOffendingMessageId())) {
            assertThat(id).hasSize(CenterOutputs.MAX_ALERT_ID_CHARS + 3).startsWith("vvv").endsWith("...");
        }
        assertThat((String) forwarded.get(0).record().key()).hasSize(CenterOutputs.MAX_ALERT_ID_CHARS + 3);
        assertThat(alert.getSourceTopic()).isEqualTo("vm.registrations");
        assertThat(alert.getSourceOffset()).isEqualTo(5);
    }

    @Test
    void aDeadLetterOfARecordAsLargeAsTheBrokerTakesKeepsItsCoordinatesButNotItsBytes() {
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
        context.setRecordMetadata("host.events", 2, 9);
        CenterOutputs outputs = new CenterOutputs(context, CenterTopology.WORKFLOW_SINKS, Clock.systemUTC(), CenterMetrics.NONE);

        outputs.deadLetter("vm-1".getBytes(), new byte[1_048_000], RefusalReason.MALFORMED, "not a reply");

        var letter = context.forwarded().get(0).record();
        assertThat(letter.value()).isNull();
        assertThat((byte[]) letter.key()).isEqualTo("vm-1".getBytes());
        assertThat(new String(letter.headers().lastHeader(DeadLetterHeaders.SOURCE_OFFSET).value()))
                .isEqualTo("9");
    }
}
