package io.vmigrate.forensics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * The live center's binding table from its status API: {@code GET <url>/vms} answers a JSON array
 * of {@code {vmId, hostId, epoch, keyFingerprint, updatedAt, migrationId}}.
 */
public final class CenterBindings {

    private CenterBindings() {}

    public static Map<String, BindingRow> fetch(URI statusUrl) throws IOException {
        String base = statusUrl.toString().replaceAll("/+$", "");
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/vms")).timeout(Duration.ofSeconds(30))
                .header("Accept", "application/json").GET().build();
        HttpResponse<String> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching " + request.uri(), e);
        }
        if (response.statusCode() != 200) {
            throw new IOException("GET " + request.uri() + " answered " + response.statusCode());
        }
        return parse(response.body());
    }

    /** Whether the status API at {@code statusUrl} answers {@code GET /health} with 200 (within a few seconds). */
    public static boolean answers(URI statusUrl) {
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            HttpRequest health = HttpRequest.newBuilder(URI.create(statusUrl.toString().replaceAll("/+$", "") + "/health"))
                    .timeout(Duration.ofSeconds(5)).GET().build();
            return client.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Parses the {@code /vms} JSON array. */
    public static Map<String, BindingRow> parse(String json) throws IOException {
        JsonNode array = new ObjectMapper().readTree(json);
        if (array == null || !array.isArray()) {
            throw new IOException("the center's /vms answer is not a JSON array");
        }
        Map<String, BindingRow> rows = new TreeMap<>();
        for (JsonNode vm : array) {
            JsonNode migrationId = vm.get("migrationId");
            BindingRow row = new BindingRow(vm.path("vmId").asText(), vm.path("hostId").asText(),
                    vm.path("epoch").asLong(), vm.path("keyFingerprint").asText(null),
                    migrationId == null || migrationId.isNull() ? null : migrationId.asText());
            rows.put(row.vmId(), row);
        }
        return rows;
    }
}
