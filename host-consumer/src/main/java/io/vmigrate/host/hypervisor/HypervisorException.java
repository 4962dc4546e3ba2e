package io.vmigrate.host.hypervisor;

/**
 * The hypervisor cannot carry out an operation, and trying again will not help (unknown VM, state not
 * received, a VM already in the way). Transient trouble is an {@link java.io.IOException} instead.
 */
public final class HypervisorException extends Exception {

    private static final long serialVersionUID = 1L;

    public HypervisorException(String message) {
        super(message);
    }
}
