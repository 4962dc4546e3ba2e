package io.vmigrate.testsupport;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * Computes a classpath for a child JVM that runs a Kafka node. Starts from {@code java.class.path}, expands
 * manifest-only jars (the surefire/failsafe booter jar) via their {@code Class-Path} attribute, and finally
 * makes sure the code sources of the classes the child needs are present.
 */
public final class ChildJvmClasspath {

    /** Classes whose code source must be on the child classpath. */
    private static final String[] REQUIRED_CLASSES = {
        "kafka.Kafka",
        "kafka.server.KafkaRaftServer",
        "org.apache.kafka.clients.admin.Admin",
        "org.apache.kafka.server.common.MetadataVersion",
        "org.apache.kafka.metadata.storage.Formatter",
        "org.apache.kafka.raft.RaftClient",
        "org.apache.kafka.storage.internals.log.UnifiedLog",
        "scala.Predef",
        "com.typesafe.scalalogging.Logger",
        "org.slf4j.Logger",
        "ch.qos.logback.classic.Logger",
        "ch.qos.logback.core.Appender",
        "com.fasterxml.jackson.databind.ObjectMapper",
        "io.vmigrate.testsupport.ChildNodeMain",
    };

    private ChildJvmClasspath() {
    }

    public static String compute() {
        List<String> raw = List.of(System.getProperty("java.class.path", "").split(File.pathSeparator));
        Set<Path> entries = new LinkedHashSet<>(expand(raw));
        for (String className : REQUIRED_CLASSES) {
            codeSourceOf(className).ifPresent(entries::add);
        }
        List<String> out = new ArrayList<>();
        for (Path p : entries) {
            if (Files.exists(p)) {
                out.add(p.toString());
            }
        }
        return String.join(File.pathSeparator, out);
    }

    /** Classpath entries plus, for manifest-only jars, the entries of their {@code Class-Path} attribute. */
    static List<Path> expand(List<String> classPathEntries) {
        Set<Path> entries = new LinkedHashSet<>();
        for (String raw : classPathEntries) {
            if (raw.isBlank()) {
                continue;
            }
            Path entry = Paths.get(raw).toAbsolutePath().normalize();
            entries.add(entry);
            expandManifest(entry, entries, 0);
        }
        return new ArrayList<>(entries);
    }

    private static void expandManifest(Path jar, Set<Path> entries, int depth) {
        if (depth > 2 || !Files.isRegularFile(jar) || !jar.getFileName().toString().endsWith(".jar")) {
            return;
        }
        try (JarFile jf = new JarFile(jar.toFile())) {
            Manifest mf = jf.getManifest();
            if (mf == null) {
                return;
            }
            String classPath = mf.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
            if (classPath == null || classPath.isBlank()) {
                return;
            }
            URI base = jar.toUri();
            for (String token : classPath.trim().split("\\s+")) {
                Path resolved = resolve(base, token);
                if (resolved != null && entries.add(resolved)) {
                    expandManifest(resolved, entries, depth + 1);
                }
            }
        } catch (IOException e) {
            // not a readable jar: keep the entry as is
        }
    }

    private static Path resolve(URI base, String token) {
        try {
            URI uri = base.resolve(new URI(token));
            return "file".equals(uri.getScheme()) ? Paths.get(uri).toAbsolutePath().normalize() : null;
        } catch (URISyntaxException | IllegalArgumentException e) {
            try {
                return Paths.get(base).getParent().resolve(token).toAbsolutePath().normalize();
            } catch (RuntimeException e2) {
                return null;
            }
        }
    }

    static java.util.Optional<Path> codeSourceOf(String className) {
        try {
            Class<?> c = Class.forName(className, false, ChildJvmClasspath.class.getClassLoader());
            CodeSource cs = c.getProtectionDomain().getCodeSource();
            if (cs == null || cs.getLocation() == null) {
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(Paths.get(cs.getLocation().toURI()).toAbsolutePath().normalize());
        } catch (ClassNotFoundException | URISyntaxException | RuntimeException | LinkageError e) {
            return java.util.Optional.empty();
        }
    }
}
