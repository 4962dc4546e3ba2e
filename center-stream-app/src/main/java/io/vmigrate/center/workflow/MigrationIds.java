package io.vmigrate.center.workflow;

import io.vmigrate.schema.keys.KeyContexts;
import java.util.regex.Pattern;

/** What an operator may name a migration: short, printable, and never one of the center's own registration ids. */
public final class MigrationIds {

    static final String RULE = "1 to 128 characters of A-Z a-z 0-9 . _ : - and not start with 'register:'";

    private static final Pattern ALLOWED = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    private MigrationIds() {}

    public static boolean isValid(String migrationId) {
        return migrationId != null && ALLOWED.matcher(migrationId).matches()
                && !migrationId.startsWith(KeyContexts.registrationMigrationId(""));
    }
}
