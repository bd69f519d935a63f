package dev.reliability.lua;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * The CLI jar bundles third-party works: it must carry their licences. Every class outside this project's packages
 * must belong to a work that {@code META-INF/LICENSE-THIRD-PARTY} names, so a new bundled dependency fails here until
 * it is listed.
 */
class CliJarLicencesIT {
    /** Class path prefixes of the bundled works, and the coordinates LICENSE-THIRD-PARTY names them by. */
    private static final Map<String, String> BUNDLED = Map.ofEntries(
            Map.entry("org/luaj/", "org.luaj:luaj-jse"),
            // LuaJ's command-line tools sit in the unnamed package
            Map.entry("lua.class", "org.luaj:luaj-jse"),
            Map.entry("luac.class", "org.luaj:luaj-jse"),
            Map.entry("luajc", "org.luaj:luaj-jse"),
            Map.entry("com/zaxxer/hikari/", "com.zaxxer:HikariCP"),
            Map.entry("org/slf4j/", "org.slf4j:slf4j-api"),
            Map.entry("org/postgresql/", "org.postgresql:postgresql"),
            Map.entry("org/checkerframework/", "org.checkerframework:checker-qual"),
            Map.entry("org/mariadb/jdbc/", "org.mariadb.jdbc:mariadb-java-client"),
            Map.entry("org/sqlite/", "org.xerial:sqlite-jdbc"),
            Map.entry("org/h2/", "com.h2database:h2"),
            Map.entry("com/github/benmanes/caffeine/", "com.github.ben-manes.caffeine:caffeine"),
            Map.entry("org/jspecify/", "org.jspecify:jspecify"),
            Map.entry("com/google/errorprone/", "com.google.errorprone:error_prone_annotations"));

    @Test
    void theJarCarriesItsOwnLicenceAndEveryBundledWorksLicence() throws IOException {
        try (ZipFile jar = new ZipFile(CliJar.JAR.toFile())) {
            assertThat(text(jar, "META-INF/LICENSE")).contains("Apache License", "Version 2.0");
            assertThat(text(jar, "META-INF/NOTICE")).contains("LICENSE-THIRD-PARTY");
            String thirdParty = text(jar, "META-INF/LICENSE-THIRD-PARTY");
            assertThat(thirdParty).as("versions filled in by the build").doesNotContain("${");
            assertThat(thirdParty).contains(BUNDLED.values());
            // The licence files that the works ship themselves, kept where LICENSE-THIRD-PARTY says they are.
            Map<String, String> shipped = Map.of(
                    "META-INF/licenses/postgresql/LICENSE", "PostgreSQL Global Development Group",
                    "META-INF/licenses/slf4j-api/LICENSE.txt", "Permission is hereby granted",
                    "META-INF/licenses/checker-qual/LICENSE.txt", "Permission is hereby granted",
                    "META-INF/maven/org.xerial/sqlite-jdbc/LICENSE", "Apache License",
                    // LGPL-2.1 asks for its full text with the library; MariaDB's jar carries none of its own.
                    "META-INF/licenses/mariadb-java-client/LGPL-2.1.txt", "GNU LESSER GENERAL PUBLIC LICENSE");
            shipped.forEach((path, phrase) -> {
                assertThat(thirdParty).contains(path);
                assertThat(text(jar, path)).contains(phrase);
            });
            assertThat(text(jar, "META-INF/licenses/mariadb-java-client/LGPL-2.1.txt"))
                    .as("the whole licence, not a pointer to it")
                    .contains("Version 2.1, February 1999", "END OF TERMS AND CONDITIONS");

            Set<String> unlisted = new TreeSet<>();
            jar.stream()
                    .map(ZipEntry::getName)
                    .filter(name -> name.endsWith(".class"))
                    .forEach(name -> {
                        boolean ours = name.startsWith("dev/reliability/") || name.startsWith("META-INF/");
                        if (!ours && BUNDLED.keySet().stream().noneMatch(name::startsWith)) {
                            unlisted.add(name.contains("/") ? name.substring(0, name.lastIndexOf('/')) : name);
                        }
                    });
            assertThat(unlisted)
                    .as("packages of works not named in LICENSE-THIRD-PARTY (list them there and here)")
                    .isEmpty();
        }
    }

    private static String text(ZipFile jar, String path) {
        ZipEntry entry = jar.getEntry(path);
        assertThat(entry).as(path).isNotNull();
        try (InputStream in = jar.getInputStream(entry)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
