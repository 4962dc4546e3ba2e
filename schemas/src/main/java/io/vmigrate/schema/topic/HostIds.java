package io.vmigrate.schema.topic;

import java.util.regex.Pattern;

/**
 * Host ids become part of topic names and ACL resource names, so they are restricted to characters
 * that are legal in a topic name and cannot collide in Kafka's metric names ('.' and '_' do).
 */
public final class HostIds {

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]{0,62}");

    private HostIds() {}

    public static String requireValid(String hostId) {
        if (hostId == null || !VALID.matcher(hostId).matches()) {
            throw new IllegalArgumentException(
                    "invalid host id '" + hostId + "': use 1-63 letters, digits or '-', starting with a letter or digit");
        }
        return hostId;
    }

    public static boolean isValid(String hostId) {
        return hostId != null && VALID.matcher(hostId).matches();
    }
}
