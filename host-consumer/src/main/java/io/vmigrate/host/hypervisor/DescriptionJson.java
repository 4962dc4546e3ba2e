package io.vmigrate.host.hypervisor;

import java.util.Optional;

/** The VM description file: a small, deterministic JSON document (same VM, same bytes, same digest). */
final class DescriptionJson {

    private DescriptionJson() {}

    static String of(String vmId, String name, String imageFile, long imageBytes) {
        return "{\"vmId\":" + quote(vmId) + ",\"name\":" + quote(name) + ",\"image\":" + quote(imageFile)
                + ",\"imageBytes\":" + imageBytes + "}\n";
    }

    /** Reads back a string field this class wrote. */
    static Optional<String> stringField(String json, String field) {
        String key = quote(field) + ":\"";
        int start = json.indexOf(key);
        if (start < 0) {
            return Optional.empty();
        }
        var value = new StringBuilder();
        for (int i = start + key.length(); i < json.length(); i++) {
            char c = json.charAt(i);
            if (c == '"') {
                return Optional.of(value.toString());
            }
            if (c == '\\' && i + 1 < json.length()) {
                char next = json.charAt(++i);
                if (next == 'u' && i + 4 < json.length()) {
                    value.append((char) Integer.parseInt(json.substring(i + 1, i + 5), 16));
                    i += 4;
                } else {
                    value.append(next == 'n' ? '\n' : next == 't' ? '\t' : next == 'r' ? '\r' : next);
                }
            } else {
                value.append(c);
            }
        }
        return Optional.empty();
    }

    private static String quote(String text) {
        var out = new StringBuilder(text.length() + 2).append('"');
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
