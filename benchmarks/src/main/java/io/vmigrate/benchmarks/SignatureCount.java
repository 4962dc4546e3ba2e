package io.vmigrate.benchmarks;

import io.vmigrate.cli.operator.TopicSnapshot;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.topic.Topics;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Signatures made and verified per migration, counted from what a run wrote rather than assumed: every
 * command (the center signs, the target's secure zone verifies), every reply (a zone signs, the center
 * verifies), every hash-chained audit record (the center signs) and every operator request (the operator
 * signs, the center verifies), divided by the migrations that reached DONE. A lower bound: signatures checked
 * inside another (a forwarded attestation) are not on a topic of their own.
 */
record SignatureCount(double signsPerMigration, double verifiesPerMigration, long migrations) {

    static SignatureCount of(Map<String, Object> client, Topics topics, List<String> hostIds) {
        AtomicLong commands = new AtomicLong();
        AtomicLong replies = new AtomicLong();
        AtomicLong audits = new AtomicLong();
        AtomicLong done = new AtomicLong();
        AtomicLong requests = new AtomicLong();
        for (String host : hostIds) {
            TopicSnapshot.readToEnd(client, topics.hostCommands(host), (key, command) -> commands.incrementAndGet());
        }
        TopicSnapshot.readToEnd(client, topics.hostEvents(), (key, reply) -> replies.incrementAndGet());
        TopicSnapshot.readToEnd(client, topics.migrationAudit(), (key, audit) -> {
            audits.incrementAndGet();
            if (audit != null && audit.getStep() == MigrationStep.DONE) {
                done.incrementAndGet();
            }
        });
        TopicSnapshot.readToEnd(client, topics.migrationRequests(), (key, request) -> requests.incrementAndGet());
        long migrations = Math.max(1, done.get());
        return new SignatureCount((commands.get() + replies.get() + audits.get() + requests.get()) / (double) migrations,
                (commands.get() + replies.get() + requests.get()) / (double) migrations, done.get());
    }
}
