package io.vmigrate.host.store;

import io.vmigrate.common.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A small durable set of ids (one per line, rewritten crash-safely on every change). The agent keeps
 * two: the VMs the center already knows about (registered at enrollment or arrived by migration), and
 * the migrations whose completion waits for their VM key.
 */
public final class DurableIdSet {

    private final Path file;
    private final Set<String> ids;

    private DurableIdSet(Path file, Set<String> ids) {
        this.file = file;
        this.ids = ids;
    }

    public static DurableIdSet open(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        Set<String> ids = new TreeSet<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    ids.add(line.strip());
                }
            }
        }
        return new DurableIdSet(file.toAbsolutePath(), ids);
    }

    public synchronized boolean contains(String id) {
        return ids.contains(id);
    }

    public synchronized void add(String id) throws IOException {
        if (id.isBlank() || id.contains("\n") || id.contains("\r")) {
            throw new IllegalArgumentException("id cannot be stored on one line: '" + id + "'");
        }
        if (ids.add(id)) {
            save();
        }
    }

    public synchronized void remove(String id) throws IOException {
        if (ids.remove(id)) {
            save();
        }
    }

    public synchronized Set<String> ids() {
        return Collections.unmodifiableSet(new TreeSet<>(ids));
    }

    private void save() throws IOException {
        AtomicFiles.write(file, (String.join("\n", ids) + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
