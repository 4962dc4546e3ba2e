package io.vmigrate.center.workflow;

/** Fresh message ids for the commands the machine sends (random in production, counted in tests). */
@FunctionalInterface
public interface MessageIds {

    String next();
}
