package io.vmigrate.center.workflow;

import io.vmigrate.schema.center.MigrationState;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import io.vmigrate.schema.inventory.VmRegistrationRequested;

/**
 * What the center holds about one VM when an event arrives, read only. Each may be null. The
 * adapter reads them from the stores when asked, so an event that needs none costs no lookup.
 */
public interface VmFacts {

    /** The VM's current or last migration. */
    MigrationState migration();

    /** The committed binding. */
    VmInventoryEntry binding();

    /** A registration waiting for the VM's first binding. */
    VmRegistrationRequested pendingRegistration();

    /** Any migration this part of the center handled under {@code migrationId} (for this or another VM). */
    MigrationState migrationById(String migrationId);

    static VmFacts of(MigrationState migration, VmInventoryEntry binding, VmRegistrationRequested pendingRegistration,
            java.util.function.Function<String, MigrationState> migrationsById) {
        return new VmFacts() {
            @Override
            public MigrationState migrationById(String migrationId) {
                return migrationsById.apply(migrationId);
            }

            @Override
            public MigrationState migration() {
                return migration;
            }

            @Override
            public VmInventoryEntry binding() {
                return binding;
            }

            @Override
            public VmRegistrationRequested pendingRegistration() {
                return pendingRegistration;
            }
        };
    }
}
