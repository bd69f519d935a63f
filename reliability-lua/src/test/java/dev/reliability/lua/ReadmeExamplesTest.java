package dev.reliability.lua;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's Lua example is the seed block of an example script that {@code SeedExamplesIT} runs. */
class ReadmeExamplesTest {

    @Test
    void theReadmeQuotesTheAdvancedRetryExampleVerbatim() throws IOException {
        String script = Files.readString(CliJar.EXAMPLES.resolve("advanced_retry.lua"));
        String block = script.substring(
                        script.indexOf("-- seed example --\n") + "-- seed example --\n".length(),
                        script.indexOf("-- end of seed example --"))
                .strip();

        assertThat(Files.readString(Path.of("..", "README.md"))).contains("```lua\n" + block + "\n```");
    }
}
