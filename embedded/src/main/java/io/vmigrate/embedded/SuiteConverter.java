package io.vmigrate.embedded;

import io.vmigrate.trust.Suite;
import picocli.CommandLine.ITypeConverter;

/** gm or intl, any case. */
final class SuiteConverter implements ITypeConverter<Suite> {
    @Override
    public Suite convert(String value) {
        return Suite.parse(value);
    }
}
