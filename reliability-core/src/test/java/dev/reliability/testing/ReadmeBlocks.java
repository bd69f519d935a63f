package dev.reliability.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Finds the blocks a test marks for the README, so the test can check that the README quotes them verbatim: the lines
 * between {@code // README: name} and {@code // README: end}, with a method body's 8 spaces of indentation removed.
 */
public final class ReadmeBlocks {
    private static final Pattern BLOCK =
            Pattern.compile("// README: (?!end)\\w+\\n(.*?)\\n\\s*// README: end", Pattern.DOTALL);

    private ReadmeBlocks() {}

    /**
     * Returns the marked blocks of a test's source, in order.
     *
     * @param source the test's source text
     * @return the blocks as the README shows them
     */
    public static List<String> in(String source) {
        List<String> blocks = new ArrayList<>();
        Matcher matcher = BLOCK.matcher(source);
        while (matcher.find()) {
            blocks.add(matcher.group(1)
                    .lines()
                    .map(line -> line.replaceFirst("^ {8}", ""))
                    .collect(Collectors.joining("\n")));
        }
        return blocks;
    }
}
