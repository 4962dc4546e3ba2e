package io.vmigrate.cli;

import picocli.CommandLine.IVersionProvider;

/** Reports the version from the jar manifest (or "development" when run from classes). */
final class VersionProvider implements IVersionProvider {

    @Override
    public String[] getVersion() {
        String version = VmigrateMain.class.getPackage().getImplementationVersion();
        return new String[] {"vmigrate " + (version == null ? "development" : version)
                + " (Java " + Runtime.version() + ")"};
    }
}
