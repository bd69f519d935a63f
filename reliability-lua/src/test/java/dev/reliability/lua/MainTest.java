package dev.reliability.lua;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private String realHome;

    /** The default state lives under {@code user.home}: point it at the test's folder, never the real one. */
    @BeforeEach
    void useATemporaryHome() {
        realHome = System.getProperty("user.home");
        System.setProperty("user.home", dir.toString());
    }

    @AfterEach
    void restoreTheHome() {
        System.setProperty("user.home", realHome);
    }

    private int run(String... args) {
        return Main.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private Path script(String name, String source) throws IOException {
        return Files.writeString(dir.resolve(name), source);
    }

    @Test
    void runsAScriptWithItsArguments() throws IOException {
        Path script =
                script("args.lua", "print(select('#', ...), ..., arg[0] == nil, arg[2])\nlog.info('done', {n = 1})");

        assertThat(run(script.toString(), "a", "b")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("2\ta\tfalse\tb\n");
        assertThat(err.toString(StandardCharsets.UTF_8)).matches("\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z INFO done n=1\\R");
    }

    @Test
    void aScriptErrorExitsWithOneAndNamesTheLine() throws IOException {
        Path script = script("fail.lua", "local x = 1\nerror('broken')\n");

        assertThat(run(script.toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo(script + ":2: broken\n");
    }

    @Test
    void aScriptThatIsNotUtf8IsRefusedWithAClearMessage() throws IOException {
        Path script = Files.write(dir.resolve("latin1.lua"), new byte[] {'x', '=', '"', (byte) 0xe9, '"'});

        assertThat(run("--state", "memory", script.toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .isEqualTo("reliability-lua: cannot read " + script
                        + ": not valid UTF-8 (write other bytes as escapes in string literals, such as \"\\xff\")\n");
    }

    @Test
    void theInstructionLimitCanBeSet() throws IOException {
        Path script = script("loop.lua", "while true do end");

        assertThat(run("--instruction-limit", "1000", script.toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo(script + ": instruction limit of 1000 exceeded\n");
    }

    @Test
    void badUsageExitsWithTwoAndAUsageLine() {
        assertThat(run()).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .isEqualTo("reliability-lua: no script given\n" + Main.USAGE + "\n");
        err.reset();
        assertThat(run("--bogus", "x.lua")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("reliability-lua: unknown option --bogus\n");
        err.reset();
        assertThat(run("--instruction-limit", "lots", "x.lua")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .startsWith("reliability-lua: --instruction-limit needs a whole number >= 0, got 'lots'\n");
        err.reset();
        assertThat(run("--instruction-limit")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .startsWith("reliability-lua: --instruction-limit needs a value");
        err.reset();
        assertThat(run(dir.resolve("absent.lua").toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("absent.lua: no such file");
    }

    @Test
    void aStateUrlsPasswordIsNeverPrinted() throws IOException {
        String script = script("noop.lua", "").toString();

        assertThat(run("--state", "jdbc:postgresql://127.0.0.1:1/none?user=u&password=s3cret&connectTimeout=1", script))
                .isEqualTo(2);
        assertThat(run("--state", "jdbc:nosuchdb://u:s3cret@host/db", script)).isEqualTo(2);
        assertThat(run("--state", "postgresql://u:s3cret@host/db", script)).isEqualTo(2);

        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("cannot open state jdbc:postgresql://127.0.0.1:1/none?user=u&password=***&connectTimeout=1: ")
                .contains("cannot open state jdbc:nosuchdb://u:***@host/db: no JDBC driver on the class path accepts "
                        + "jdbc:nosuchdb://u:***@host/db")
                .contains("--state needs 'memory' or a JDBC URL, got 'postgresql://u:***@host/db'")
                .doesNotContain("s3cret");
    }

    @Test
    void helpPrintsUsage() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith(Main.USAGE);
    }
}
