package io.vmigrate.forensics;

/** The stable ids of what replay and audit tail check; reports name anomalies by these ids. */
public enum Rule {
    /** An envelope, audit record or registry entry whose signature does not verify under the key it names. */
    SIGNATURE_INVALID,
    /** Signed by a key that is not the center's (commands) or not the named host's registered secure-zone key (replies). */
    UNKNOWN_SIGNER,
    /** An envelope outside its validity window at the time of its record. */
    ENVELOPE_EXPIRED,
    /** A record that does not decode, or an envelope whose body contradicts it. */
    MALFORMED_RECORD,
    /** A trust.registry entry not signed by a center key. */
    REGISTRY_ENTRY_INVALID,
    /** An audit record whose previousHash does not link to its predecessor. */
    AUDIT_CHAIN_BROKEN,
    /** An audit sequence number skipped: a record is missing. */
    AUDIT_GAP,
    /** An audit sequence number lower than one already seen: records swapped or re-inserted. */
    AUDIT_OUT_OF_ORDER,
    /** A DeregisterVm command or VmDeregistered reply without (or before) its migration's COMMITTED record. */
    DEREGISTER_BEFORE_COMMIT,
    /** A binding epoch that does not grow. */
    EPOCH_REGRESSION,
    /** Two commits of the same VM epoch, or a commit that does not follow the VM's binding. */
    BINDING_CONFLICT,
    /** Two effect-bearing replies (distinct message ids) to the same command. */
    COMMAND_OBEYED_TWICE,
    /** A KeyInstallReply INSTALLED without an earlier center-signed DeliverVmKey for that host, VM and epoch. */
    KEY_INSTALL_WITHOUT_DELIVERY,
    /** A DeliverVmKey whose binding names another host than its command topic's. */
    DELIVERY_FOR_WRONG_HOST,
    /** A command envelope addressed to another host than the command topic it is on. */
    COMMAND_ON_WRONG_TOPIC,
    /** A command message id seen again at a later offset. */
    REPLAYED_COMMAND,
    /** An aborted migration that changed its VM's binding. */
    ABORT_CHANGED_BINDING,
    /** The rebuilt binding table differs from the center's. */
    BINDING_MISMATCH_WITH_CENTER
}
