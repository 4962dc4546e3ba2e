package io.vmigrate.forensics;

import java.util.Objects;

/** One VM's binding as replay compares it: the fields both the log and the center know. */
public record BindingRow(String vmId, String hostId, long epoch, String keyFingerprint, String migrationId) {

    /** True when every compared field is equal (migration id null and "" count as the same: none). */
    public boolean sameAs(BindingRow other) {
        return vmId.equals(other.vmId) && hostId.equals(other.hostId) && epoch == other.epoch
                && Objects.equals(keyFingerprint, other.keyFingerprint)
                && Objects.equals(blankToNull(migrationId), blankToNull(other.migrationId));
    }

    private static String blankToNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }

    @Override
    public String toString() {
        return vmId + " on " + hostId + " epoch " + epoch + " key " + keyFingerprint
                + (migrationId == null ? "" : " (migration " + migrationId + ")");
    }
}
