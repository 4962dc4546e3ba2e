package io.vmigrate.host;

/** The agent cannot go on (e.g. its secure zone no longer accepts its agent key); it stops and surfaces this. */
public final class AgentFatalException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public AgentFatalException(String message) {
        super(message);
    }

    public AgentFatalException(String message, Throwable cause) {
        super(message, cause);
    }
}
