package dev.reliability.state.jdbc;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** Breaker restarts on the embedded file, the store the Lua CLI uses by default. */
class EmbeddedBreakerRestartTest extends BreakerRestartTests {
    @TempDir
    Path dir;

    @Override
    String[] storeArgs() {
        return new String[] {"embedded", dir.resolve("state").toString()};
    }
}
