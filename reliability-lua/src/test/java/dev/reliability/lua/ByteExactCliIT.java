package dev.reliability.lua;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Through the CLI jar, as a user meets them: the bytes of errors a script catches, prints and raises. */
class ByteExactCliIT {
    @TempDir
    Path home;

    @Test
    void errorsKeepTheirBytesFromRaiseToPrintAndToStderr() throws Exception {
        Path script = home.resolve("bytes.lua");
        Files.writeString(script, """
                local _, caught = pcall(error, "\\xff\\0\\xf0\\x9f\\x98\\x80")
                print(caught)
                local _, fromBreaker = reliability.circuit_breaker("\\xfe", {}, function() error("\\xed\\xa0\\x80", 0) end)
                print(fromBreaker)
                local _, retried = reliability.retry(2, 0, function() return nil, "\\xc3" end)
                print(retried)
                error("\\xff\\xfe")
                """);

        CliJar.Result result = new CliJar(home).run("--state", "memory", script.toString());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.stdoutBytes())
                .isEqualTo(bytes(
                        new int[] {0xff, 0, 0xf0, 0x9f, 0x98, 0x80, '\n', 0xed, 0xa0, 0x80, '\n'},
                        "retry failed after 2 attempts: ",
                        new int[] {0xc3, '\n'}));
        assertThat(result.stderrBytes()).isEqualTo(bytes(new int[0], script + ":7: ", new int[] {0xff, 0xfe, '\n'}));
    }

    private static byte[] bytes(int[] head, String middle, int[] tail) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int b : head) {
            out.write(b);
        }
        out.writeBytes(middle.getBytes(StandardCharsets.UTF_8));
        for (int b : tail) {
            out.write(b);
        }
        return out.toByteArray();
    }
}
