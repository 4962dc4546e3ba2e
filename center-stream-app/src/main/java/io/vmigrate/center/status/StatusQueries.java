package io.vmigrate.center.status;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmigrate.center.CenterTopology;
import io.vmigrate.schema.center.MigrationState;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers status queries from the center's state stores, across every instance of the application:
 * a key owned by another instance (found with {@link KafkaStreams#queryMetadataForKey}) is forwarded
 * to it; lists, and migration ids (whose entries live in the partition of their VM, not of their own
 * key), ask every instance holding the store and merge. A request carrying {@link #FORWARDED_HEADER}
 * is answered from local stores only, so requests never loop. An instance that cannot answer makes
 * the whole answer fail (503/502) rather than come back incomplete.
 */
public final class StatusQueries {

    /** Marks a request sent by another center instance: answer locally, do not forward again. */
    public static final String FORWARDED_HEADER = "X-Vmigrate-Forwarded";

    private static final Logger LOG = LoggerFactory.getLogger(StatusQueries.class);
    private static final TypeReference<List<Map<String, Object>>> ARRAY = new TypeReference<>() {};

    private final KafkaStreams streams;
    private final HostInfo self;
    private final HttpClient http;
    private final Duration timeout;
    private final ObjectMapper json = new ObjectMapper();

    public StatusQueries(KafkaStreams streams, HostInfo self, Duration timeout) {
        this.streams = Objects.requireNonNull(streams, "streams");
        this.self = Objects.requireNonNull(self, "self");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** {@code GET /migrations/{id}}. */
    public StatusAnswer migration(String migrationId, boolean localOnly) {
        if (localOnly) {
            return local(() -> localMigration(migrationId)
                    .map(state -> ok(StatusJson.migration(state)))
                    .orElseGet(() -> notFound("no migration " + migrationId + " on " + self)));
        }
        try {
            for (HostInfo host : instancesOf(CenterTopology.MIGRATIONS_BY_ID_STORE)) {
                StatusAnswer answer = host.equals(self) ? migration(migrationId, true)
                        : forward(host, "/migrations/" + migrationId, null);
                if (answer.status() == 200) {
                    return answer;
                }
                if (answer.status() != 404) {
                    return answer;
                }
            }
            return notFound("no migration " + migrationId);
        } catch (Unavailable e) {
            return e.answer;
        }
    }

    /** {@code GET /migrations[?inFlight=true]}: all migrations (or those in flight), by request time. */
    public StatusAnswer migrations(boolean inFlightOnly, boolean localOnly) {
        // In flight: the latest migration of each VM is enough; every migration: the by-id index.
        String store = inFlightOnly ? CenterTopology.MIGRATIONS_STORE : CenterTopology.MIGRATIONS_BY_ID_STORE;
        Predicate<MigrationState> wanted = inFlightOnly ? StatusQueries::inFlight : state -> true;
        return list(store, "/migrations", inFlightOnly ? "inFlight=true" : null, localOnly,
                () -> this.<MigrationState>localValues(store).stream().filter(wanted).map(StatusJson::migration).toList(),
                StatusJson.BY_REQUESTED_AT);
    }

    /** {@code GET /vms/{vmId}}: the binding, from the instance that owns the VM's partition. */
    public StatusAnswer vm(String vmId, boolean localOnly) {
        if (!localOnly) {
            KeyQueryMetadata owner = streams.queryMetadataForKey(CenterTopology.BINDINGS_STORE, vmId,
                    Serdes.String().serializer());
            if (owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
                return unavailable("no center instance owns VM " + vmId + " right now (state " + streams.state() + ")");
            }
            if (!owner.activeHost().equals(self)) {
                return forward(owner.activeHost(), "/vms/" + vmId, null);
            }
        }
        return local(() -> {
            VmInventoryEntry entry = this.<VmInventoryEntry>store(CenterTopology.BINDINGS_STORE).get(vmId);
            return entry == null ? notFound("VM " + vmId + " has no binding") : ok(StatusJson.binding(entry));
        });
    }

    /** {@code GET /vms}: every binding, by VM id. */
    public StatusAnswer vms(boolean localOnly) {
        return list(CenterTopology.BINDINGS_STORE, "/vms", null, localOnly,
                () -> this.<VmInventoryEntry>localValues(CenterTopology.BINDINGS_STORE).stream()
                        .map(StatusJson::binding).toList(),
                StatusJson.BY_VM_ID);
    }

    /** {@code GET /health}: this instance's Streams state; 200 only when it can answer queries. */
    public StatusAnswer health() {
        KafkaStreams.State state = streams.state();
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("state", state.name());
        body.put("instance", self.host() + ":" + self.port());
        boolean up = state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING;
        return new StatusAnswer(up ? 200 : 503, encode(body));
    }

    // ---- plumbing

    private StatusAnswer list(String store, String path, String query, boolean localOnly,
            LocalRead<List<Map<String, Object>>> read, Comparator<Map<String, Object>> order) {
        if (localOnly) {
            return local(() -> ok(read.get()));
        }
        try {
            List<Map<String, Object>> merged = new ArrayList<>();
            for (HostInfo host : instancesOf(store)) {
                if (host.equals(self)) {
                    merged.addAll(read.get());
                } else {
                    StatusAnswer answer = forward(host, path, query);
                    if (answer.status() != 200) {
                        return answer;
                    }
                    merged.addAll(json.readValue(answer.json(), ARRAY));
                }
            }
            merged.sort(order);
            return ok(merged);
        } catch (Unavailable e) {
            return e.answer;
        } catch (InvalidStateStoreException e) {
            return unavailable("state store " + store + " not queryable: " + e.getMessage());
        } catch (IOException e) {
            return new StatusAnswer(502, encode(StatusJson.error("bad answer from another center instance: " + e.getMessage())));
        }
    }

    private Collection<HostInfo> instancesOf(String store) throws Unavailable {
        Collection<StreamsMetadata> instances = streams.streamsMetadataForStore(store);
        if (instances.isEmpty()) {
            throw new Unavailable(unavailable("no center instance serves " + store + " yet (state " + streams.state() + ")"));
        }
        return instances.stream().map(StreamsMetadata::hostInfo).distinct()
                .sorted(Comparator.comparing(HostInfo::host).thenComparingInt(HostInfo::port)).toList();
    }

    private Optional<MigrationState> localMigration(String migrationId) {
        MigrationState byId = this.<MigrationState>store(CenterTopology.MIGRATIONS_BY_ID_STORE).get(migrationId);
        if (byId != null) {
            return Optional.of(byId);
        }
        // Migrations handled before the by-id index existed are still in the per-VM store.
        return this.<MigrationState>localValues(CenterTopology.MIGRATIONS_STORE).stream()
                .filter(state -> state.getMigrationId().equals(migrationId)).findFirst();
    }

    private <V> ReadOnlyKeyValueStore<String, V> store(String name) {
        return streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, V>keyValueStore()));
    }

    private <V> List<V> localValues(String name) {
        List<V> values = new ArrayList<>();
        try (KeyValueIterator<String, V> all = this.<V>store(name).all()) {
            all.forEachRemaining(entry -> values.add(entry.value));
        }
        return values;
    }

    private StatusAnswer local(LocalRead<StatusAnswer> read) {
        try {
            return read.get();
        } catch (InvalidStateStoreException e) {
            return unavailable("state not queryable on " + self + ": " + e.getMessage());
        }
    }

    private StatusAnswer forward(HostInfo host, String path, String query) {
        URI uri;
        try {
            uri = new URI("http", null, host.host(), host.port(), path, query, null);
        } catch (URISyntaxException e) {
            return new StatusAnswer(400, encode(StatusJson.error("cannot forward " + path + ": " + e.getMessage())));
        }
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout)
                .header(FORWARDED_HEADER, self.host() + ":" + self.port()).GET().build();
        try {
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            LOG.debug("forwarded {} to {}: {}", path, host, response.statusCode());
            return new StatusAnswer(response.statusCode(), response.body());
        } catch (IOException e) {
            LOG.warn("center instance {} did not answer {}: {}", host, path, e.toString());
            return new StatusAnswer(502, encode(StatusJson.error("center instance " + host.host() + ":" + host.port()
                    + " did not answer: " + e)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return unavailable("interrupted while asking " + host);
        }
    }

    private static boolean inFlight(MigrationState state) {
        return !StatusJson.isOutcome(state.getStep());
    }

    private StatusAnswer ok(Object body) {
        return new StatusAnswer(200, encode(body));
    }

    private StatusAnswer notFound(String message) {
        return new StatusAnswer(404, encode(StatusJson.error(message)));
    }

    private StatusAnswer unavailable(String message) {
        return new StatusAnswer(503, encode(StatusJson.error(message)));
    }

    byte[] encode(Object body) {
        try {
            return json.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a status answer", e);
        }
    }

    /** Reads from a local store; may throw {@link InvalidStateStoreException} while Streams is not running. */
    @FunctionalInterface
    private interface LocalRead<T> {
        T get();
    }

    /** An answer that ends the query early (no instance to ask). */
    private static final class Unavailable extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient StatusAnswer answer;

        Unavailable(StatusAnswer answer) {
            super(null, null, false, false);
            this.answer = answer;
        }
    }
}
