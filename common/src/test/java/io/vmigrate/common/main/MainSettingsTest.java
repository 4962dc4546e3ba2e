package io.vmigrate.common.main;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainSettingsTest {

    @TempDir
    Path dir;

    @Test
    void environmentOverridesTheFileKeyByKey() throws IOException {
        Path file = dir.resolve("app.properties");
        Files.writeString(file, "a.b=file\nc-d=file\nunknown=kept\n");
        Map<String, String> settings = MainSettings.load(file, List.of("a.b", "c-d"),
                key -> MainSettings.variableName("APP_", key), Map.of("APP_C_D", "env", "APP_UNKNOWN", "ignored"));
        assertThat(settings).containsExactlyInAnyOrderEntriesOf(Map.of("a.b", "file", "c-d", "env", "unknown", "kept"));
    }

    @Test
    void noFileMeansEnvironmentOnly() throws IOException {
        Map<String, String> settings = MainSettings.load(MainSettings.fileArgument(new String[0]), List.of("x.y"),
                key -> MainSettings.variableName("", key), Map.of("X_Y", "1"));
        assertThat(settings).containsExactly(Map.entry("x.y", "1"));
    }
}
