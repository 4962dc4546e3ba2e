package io.vmigrate.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Where a profiled run's samples went, by component and by kind of work: reads async-profiler's collapsed
 * stacks recorded with per-thread frames ({@code collapsed,threads}: each line "[thread];frame;...;leaf count")
 * and prints a Markdown table. Components are told apart by thread name (the center's stream threads, each
 * host's agent, each secure zone, the broker's threads, the JVM's own); kinds of work by the frames on the
 * stack, the first rule that matches deciding (fsync before crypto before serialization ...).
 *
 * <p>Run: {@code java -cp 'benchmarks/target/classes:benchmarks/target/lib/*' io.vmigrate.benchmarks.ProfileSummary profile.collapsed [title]}
 */
public final class ProfileSummary {

    private record Rule(String name, Pattern pattern) {
        static Rule of(String name, String regex) {
            return new Rule(name, Pattern.compile(regex));
        }
    }

    /** Thread name to component; the first match wins. */
    static final List<Rule> COMPONENTS = List.of(
            Rule.of("center (Kafka Streams)", "StreamThread|vmigrate-center|center-"),
            Rule.of("host agents", "host-agent-"),
            Rule.of("secure zones", "secure-zone-"),
            Rule.of("load generator (operator, watchers)", "^main$|operator|watcher|bench"),
            Rule.of("broker", "kafka|Kafka|broker|raft|quorum|controller|data-plane|ReplicaFetcher|LogCleaner|"
                    + "ExpirationReaper|group-coordinator|transaction|executor|scheduler|metadata|share"),
            Rule.of("JVM (GC, JIT, VM)", "GC|G1|C1 Compiler|C2 Compiler|VM Thread|VM Periodic|Sweeper|Service Thread"));

    /** Frames on the stack to kind of work; the first match over the whole stack wins. */
    static final List<Rule> KINDS = List.of(
            Rule.of("fsync / file force", "force0|fsync|fdatasync|FileChannelImpl\\.force"),
            Rule.of("waiting (park, poll, sleep)", "park|epoll_wait|EPoll\\.wait|EPoll.wait|Object\\.wait|Object.wait|sleep"
                    + "|futex|pthread_cond|accept"),
            Rule.of("crypto", "org/bouncycastle|org\\.bouncycastle|sun/security|sun\\.security|javax/crypto|javax\\.crypto"
                    + "|io/vmigrate/trust|io\\.vmigrate\\.trust"),
            Rule.of("RocksDB state stores", "rocksdb|RocksDB"),
            Rule.of("Avro (de)serialization", "org/apache/avro|org\\.apache\\.avro"),
            Rule.of("logging", "ch/qos/logback|ch\\.qos\\.logback|org/slf4j|org\\.slf4j"),
            Rule.of("file hypervisor (image copy, digest)", "FileHypervisor|VmDigests"),
            Rule.of("network / sockets", "sun/nio/ch|sun\\.nio\\.ch|SocketDispatcher|NioSocketImpl|__send|__recv|writev"),
            Rule.of("Kafka client and broker code", "org/apache/kafka|org\\.apache\\.kafka|kafka/"),
            Rule.of("GC / JIT / VM", "GC|G1|Compile|Interpreter"));

    private ProfileSummary() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: ProfileSummary profile.collapsed [title]");
            System.exit(2);
        }
        System.out.print(summarize(Files.readAllLines(Path.of(args[0])), args.length > 1 ? args[1] : args[0]));
    }

    static String summarize(List<String> collapsed, String title) {
        Map<String, Map<String, Long>> byComponent = new LinkedHashMap<>();
        Map<String, Map<String, Long>> leavesByComponent = new LinkedHashMap<>();
        long total = 0;
        for (String line : collapsed) {
            int space = line.lastIndexOf(' ');
            if (space < 0) {
                continue;
            }
            long count;
            try {
                count = Long.parseLong(line.substring(space + 1).trim());
            } catch (NumberFormatException e) {
                continue;
            }
            String stack = line.substring(0, space);
            String thread = stack.startsWith("[") && stack.indexOf(']') > 0 ? stack.substring(1, stack.indexOf(']')) : "";
            String component = firstMatch(COMPONENTS, thread, "other threads");
            String kind = firstMatch(KINDS, stack, "other (our code, JDK)");
            byComponent.computeIfAbsent(component, c -> new TreeMap<>()).merge(kind, count, Long::sum);
            String leaf = stack.substring(stack.lastIndexOf(';') + 1);
            leavesByComponent.computeIfAbsent(component, c -> new TreeMap<>()).merge(leaf, count, Long::sum);
            total += count;
        }
        StringBuilder out = new StringBuilder();
        out.append("### ").append(title).append("\n\n");
        out.append(String.format("%,d samples.%n%n", total));
        out.append("| component | share | of which (share of the component) |\n|---|---:|---|\n");
        final long all = Math.max(1, total);
        List<Map.Entry<String, Map<String, Long>>> components = new ArrayList<>(byComponent.entrySet());
        components.sort(Comparator.comparingLong((Map.Entry<String, Map<String, Long>> e) -> sum(e.getValue())).reversed());
        for (Map.Entry<String, Map<String, Long>> component : components) {
            long componentTotal = sum(component.getValue());
            List<Map.Entry<String, Long>> kinds = new ArrayList<>(component.getValue().entrySet());
            kinds.sort(Map.Entry.<String, Long>comparingByValue().reversed());
            StringBuilder parts = new StringBuilder();
            for (Map.Entry<String, Long> kind : kinds) {
                if (kind.getValue() * 100 < componentTotal * 3) {
                    break;
                }
                parts.append(parts.length() == 0 ? "" : ", ")
                        .append(String.format("%s %.0f %%", kind.getKey(), 100.0 * kind.getValue() / componentTotal));
            }
            out.append(String.format("| %s | %.1f %% | %s |%n", component.getKey(), 100.0 * componentTotal / all, parts));
        }
        out.append("\nHottest leaf frames per component:\n\n");
        for (Map.Entry<String, Map<String, Long>> component : components) {
            long componentTotal = sum(component.getValue());
            List<Map.Entry<String, Long>> leaves = new ArrayList<>(leavesByComponent.get(component.getKey()).entrySet());
            leaves.sort(Map.Entry.<String, Long>comparingByValue().reversed());
            out.append("- ").append(component.getKey()).append(": ");
            for (int i = 0; i < Math.min(4, leaves.size()); i++) {
                out.append(i == 0 ? "" : "; ").append(String.format("`%s` %.0f %%", shorten(leaves.get(i).getKey()),
                        100.0 * leaves.get(i).getValue() / Math.max(1, componentTotal)));
            }
            out.append('\n');
        }
        return out.toString();
    }

    private static String firstMatch(List<Rule> rules, String text, String otherwise) {
        for (Rule rule : rules) {
            if (rule.pattern().matcher(text).find()) {
                return rule.name();
            }
        }
        return otherwise;
    }

    private static long sum(Map<String, Long> counts) {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    private static String shorten(String frame) {
        String plain = frame.replace('/', '.');
        return plain.length() > 70 ? "…" + plain.substring(plain.length() - 69) : plain;
    }
}
