package io.vmigrate.faultrun.invariants;

/** What a run proves at its end, in the order it is checked (issue 9); a report names the first one broken. */
public enum Invariant {
    /** Every VM exists on exactly one host's hypervisor, and that host is the one its binding names. */
    VM_ON_EXACTLY_ONE_HOST,
    /** Every requested migration ended DONE or ABORTED within its deadline plus the grace. */
    EVERY_MIGRATION_ENDED,
    /** An ABORTED migration left its VM where it was, with its old binding. */
    ABORT_KEPT_BINDING,
    /** Binding epochs only grew. */
    EPOCHS_GREW,
    /** Each VM's key is installed on exactly the host its binding names (epoch and fingerprint), and nowhere else. */
    KEY_ONLY_ON_BINDING_HOST,
    /** No private key in plaintext in any byte of any topic or any file outside the sealed stores. */
    NO_PLAINTEXT_PRIVATE_KEY,
    /** Forensic replay reports no anomaly but the injected duplicates, and its binding table equals the center's. */
    REPLAY_CLEAN
}
