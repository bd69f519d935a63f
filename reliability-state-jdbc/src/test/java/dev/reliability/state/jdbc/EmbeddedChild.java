package dev.reliability.state.jdbc;

import java.nio.file.Path;

/** Run in a second JVM by {@link EmbeddedTwoJvmTest}: increments a counter in the embedded store and exits. */
public final class EmbeddedChild {
    private EmbeddedChild() {}

    /**
     * Opens the embedded store at {@code args[0]} and increments the key {@code args[1]}.
     *
     * @param args the database file and the key
     */
    public static void main(String[] args) {
        try (JdbcStateStore store = JdbcStateStore.embedded(Path.of(args[0]))) {
            store.increment(args[1], 1);
        }
    }
}
