package dev.reliability.state.jdbc;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** Breaker restarts on the embedded H2 file, the store the Lua CLI uses by default. */
class H2BreakerRestartTest extends BreakerRestartTests {
    @TempDir
    Path dir;

    @Override
    String[] storeArgs() {
        return new String[] {"h2", dir.resolve("state").toString()};
    }
}
