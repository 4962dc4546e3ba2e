package io.vmigrate.faultrun;

/** What the fault schedule does to the running system (issue 9). */
public enum FaultKind {
    /** kill -9 a broker, restart it after the outage. */
    BROKER,
    /** kill -9 the active KRaft controller (a combined node), restart it after the outage. */
    ACTIVE_CONTROLLER,
    /** kill -9 one center instance, restart it after the outage. */
    CENTER,
    /** kill -9 a host agent while a migration of its host is in flight, restart it after the outage. */
    HOST_AGENT,
    /** kill -9 a secure zone while a migration of its host is in flight, restart it after the outage. */
    SECURE_ZONE,
    /** Produce exact copies of commands and replies already on the topics. */
    REDELIVERY,
    /** Pause a host agent (SIGSTOP) past a step of its migrations, then let it go on with its late replies. */
    DELAYED_REPLIES,
    /** Keep a destination host's agent down longer than its migrations' deadline, so they pass on purpose. */
    DEADLINE_PASSED
}
