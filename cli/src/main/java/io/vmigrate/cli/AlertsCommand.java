package io.vmigrate.cli;

import io.vmigrate.cli.operator.TopicSnapshot;
import io.vmigrate.schema.alert.SecurityAlert;
import io.vmigrate.schema.topic.Topics;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Lists the security alerts every component raised, oldest first, with the coordinates of what set each off. */
@Command(name = "alerts", mixinStandardHelpOptions = true,
        description = "List security alerts (forgeries, unsigned or unauthorized requests, replays), oldest first.")
final class AlertsCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Mixin
    private ClusterOptions cluster;

    @Option(names = "--last", description = "Show only the last N alerts (default: all).")
    private int last = Integer.MAX_VALUE;

    @Override
    public Integer call() {
        List<SecurityAlert> alerts = new ArrayList<>();
        TopicSnapshot.readToEnd(cluster.readOnlyClientProperties(), Topics.withDefaultWireFormat().securityAlerts(),
                (key, alert) -> {
                    if (alert != null) {
                        alerts.add(alert);
                    }
                });
        alerts.sort(Comparator.comparing(SecurityAlert::getDetectedAt));
        PrintWriter out = spec.commandLine().getOut();
        for (SecurityAlert alert : alerts.subList(Math.max(0, alerts.size() - last), alerts.size())) {
            String origin = alert.getSourceTopic() == null ? "" : " at " + alert.getSourceTopic() + "-"
                    + alert.getSourcePartition() + "@" + alert.getSourceOffset();
            out.printf("%s  %-18s %-16s %s%s%n", alert.getDetectedAt(), alert.getReason(), alert.getDetectedBy(),
                    alert.getDetail(), origin);
        }
        out.printf("%d alert(s)%n", alerts.size());
        out.flush();
        return 0;
    }
}
