package io.vmigrate.securezone;

import io.vmigrate.securezone.ZoneState.AcceptedRotation;
import io.vmigrate.securezone.ZoneState.Fact;
import io.vmigrate.securezone.ZoneState.KeyInstalled;
import io.vmigrate.securezone.ZoneState.MigrationVm;
import io.vmigrate.securezone.ZoneState.Pins;
import io.vmigrate.securezone.ZoneState.ReplayEntry;

/**
 * One change to the {@link ZoneState}, as a {@link Transition} records it and a journal frame stores it
 * ({@link ZoneStateCodec}). Applying the same operations to the same state gives the same state, which is
 * what makes the replayed journal equal the live state.
 */
sealed interface ZoneOp {

    void applyTo(ZoneState state);

    record PutInstalledKey(InstalledVmKey key) implements ZoneOp {
        @Override
        public void applyTo(ZoneState state) {
            state.putInstalled(key);
        }
    }

    record RemoveInstalledKey(String vmId) implements ZoneOp {
        @Override
        public void applyTo(ZoneState state) {
            state.removeInstalled(vmId);
        }
    }

    record PutReplayEntry(ReplayEntry entry) implements ZoneOp {
        @Override
        public void applyTo(ZoneState state) {
            state.putReplay(entry);
        }
    }

    record AddFact(Fact fact, MigrationVm pair, long expiresAtMillis) implements ZoneOp {
        @Override
        public void applyTo(ZoneState state) {
            state.addFact(fact, pair, expiresAtMillis);
        }
    }

    record RemoveFact(Fact fact, MigrationVm pair) implements ZoneOp {
        @Override
        public void applyTo(ZoneState state) {
            state.removeFact(fact, pair);
        }
    }

    record PutKeyInstalled(String migrationId, KeyInstalled installed, long expiresAtMillis) implements ZoneOp {
        @Override
        public void applyTo(ZoneState state) {
            state.putKeyInstalled(migrationId, installed, expiresAtMillis);
        }
    }

    record RemoveKeyInstalled(String migrationId) implements ZoneOp {
        @Override
        public void applyTo(ZoneState state) {
            state.removeKeyInstalled(migrationId);
        }
    }

    record Pin(Pins pins) implements ZoneOp {
        @Override
        public void applyTo(ZoneState state) {
            state.pin(pins);
        }
    }

    record AddRotation(AcceptedRotation rotation) implements ZoneOp {
        @Override
        public void applyTo(ZoneState state) {
            state.addRotation(rotation);
        }
    }

    /**
     * Forgets the replay entries of commands that expired before the instant (the commit's time minus the
     * reply retention) and refuses such commands from then on.
     */
    record ForgetExpiredReplies(long beforeMillis) implements ZoneOp {
        @Override
        public void applyTo(ZoneState state) {
            state.forgetRepliesExpiredBefore(beforeMillis);
        }
    }

    /** Forgets the replay entries and facts that expire before the instant (the commit's time minus the retention). */
    record ForgetExpired(long beforeMillis) implements ZoneOp {
        @Override
        public void applyTo(ZoneState state) {
            state.forgetExpiredBefore(beforeMillis);
        }
    }
}
