package dev.reliability.bench.report;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns JMH JSON results into the Markdown tables of {@code reliability-bench/README.md}.
 *
 * <p>Commands:
 *
 * <pre>{@code
 * ResultsTable merge OUT.json IN.json...                 concatenates JMH result arrays (one file per thread count)
 * ResultsTable table RESULTS.json [--readme README.md] [--machine TEXT] [--source NAME]
 * }</pre>
 *
 * <p>{@code table} prints, per benchmark and thread count, this library's score, each peer's, the ratio peer / ours and
 * the bytes per operation ({@code gc.alloc.rate.norm}, present when JMH ran with {@code -prof gc}); benchmarks without
 * an {@code impl} parameter go in a second table of baselines. With {@code --readme} it replaces the text between
 * {@value #BEGIN} and {@value #END} in that file instead of printing.
 *
 * <p>Not thread-safe; a command-line tool.
 */
public final class ResultsTable {

    /** The marker that opens the generated block in the README. */
    static final String BEGIN = "<!-- results:begin -->";

    /** The marker that closes the generated block in the README. */
    static final String END = "<!-- results:end -->";

    /** The {@code impl} value of this library; every other value is a peer. */
    static final String OURS = "reliability";

    private static final String PACKAGE = "dev.reliability.bench.";

    private ResultsTable() {}

    /**
     * Runs one command.
     *
     * @param args the command and its arguments, as in the class documentation
     * @throws IOException if a file cannot be read or written
     * @throws IllegalArgumentException if the arguments or a results file are malformed
     */
    public static void main(String[] args) throws IOException {
        if (args.length >= 3 && args[0].equals("merge")) {
            List<Path> inputs = new ArrayList<>();
            for (int i = 2; i < args.length; i++) {
                inputs.add(Path.of(args[i]));
            }
            merge(Path.of(args[1]), inputs);
        } else if (args.length >= 2 && args[0].equals("table")) {
            table(args);
        } else {
            throw new IllegalArgumentException(
                    "usage: ResultsTable merge OUT.json IN.json... | table RESULTS.json [--readme README.md]"
                            + " [--machine TEXT] [--source NAME], was " + String.join(" ", args));
        }
    }

    private static void table(String[] args) throws IOException {
        Path results = Path.of(args[1]);
        Path readme = null;
        String machine = null;
        String source = results.getFileName().toString();
        for (int i = 2; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + args[i] + " needs a value");
            }
            switch (args[i]) {
                case "--readme" -> readme = Path.of(args[i + 1]);
                case "--machine" -> machine = args[i + 1];
                case "--source" -> source = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        String block = render(Json.parse(Files.readString(results, StandardCharsets.UTF_8)), source, machine);
        if (readme == null) {
            PrintStream out = System.out;
            out.print(block);
            return;
        }
        String doc = Files.readString(readme, StandardCharsets.UTF_8);
        Files.writeString(readme, replaceBlock(doc, block), StandardCharsets.UTF_8);
    }

    /**
     * Concatenates JMH result files (each a JSON array) into one array, keeping every entry as JMH wrote it.
     *
     * @param out the merged file
     * @param inputs the result files, in order
     * @throws IOException if a file cannot be read or written
     * @throws IllegalArgumentException if an input is not a JSON array
     */
    static void merge(Path out, List<Path> inputs) throws IOException {
        List<String> bodies = new ArrayList<>();
        for (Path input : inputs) {
            String text = Files.readString(input, StandardCharsets.UTF_8).strip();
            if (!(Json.parse(text) instanceof List<?>)) {
                throw new IllegalArgumentException(input + " is not a JSON array of JMH results");
            }
            String body = text.substring(1, text.length() - 1).strip();
            if (!body.isEmpty()) {
                bodies.add(body);
            }
        }
        String merged = "[\n    " + String.join(",\n    ", bodies) + "\n]\n";
        Json.parse(merged); // the concatenation of arrays is an array; check rather than assume
        Files.writeString(out, merged, StandardCharsets.UTF_8);
    }

    /**
     * Replaces the text between the markers with the block, keeping the markers.
     *
     * @param doc the README text
     * @param block the generated text
     * @return the new README text
     * @throws IllegalArgumentException if the markers are missing or out of order
     */
    static String replaceBlock(String doc, String block) {
        int begin = doc.indexOf(BEGIN);
        int end = doc.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("the README needs " + BEGIN + " followed by " + END);
        }
        return doc.substring(0, begin + BEGIN.length()) + "\n" + block + doc.substring(end);
    }

    /**
     * Renders the results as Markdown: a header line, the side-by-side table and the baselines table.
     *
     * @param json the parsed JMH results (an array of result objects)
     * @param source the name of the results file, shown in the header
     * @param machine a description of the machine, or {@code null}
     * @return the Markdown text, ending with a newline
     * @throws IllegalArgumentException if the results are not JMH results
     */
    static String render(Object json, String source, String machine) {
        if (!(json instanceof List<?> entries) || entries.isEmpty()) {
            throw new IllegalArgumentException("expected a non-empty JSON array of JMH results");
        }
        List<Result> results = new ArrayList<>();
        for (Object entry : entries) {
            results.add(Result.of(entry));
        }
        StringBuilder out = new StringBuilder();
        out.append(header(entries.get(0), source, machine)).append("\n\n");

        List<Result> compared = results.stream().filter(r -> r.impl != null).toList();
        if (!compared.isEmpty()) {
            appendComparison(out, compared);
        }
        List<Result> baselines = results.stream().filter(r -> r.impl == null).toList();
        if (!baselines.isEmpty()) {
            if (!compared.isEmpty()) {
                out.append('\n');
            }
            appendBaselines(out, baselines);
        }
        return out.toString();
    }

    private static String header(Object first, String source, String machine) {
        Map<?, ?> run = (Map<?, ?>) first;
        StringBuilder header = new StringBuilder();
        header.append("Generated by `ResultsTable` from `")
                .append(source)
                .append("`: JMH ")
                .append(run.get("jmhVersion"))
                .append(", ")
                .append(run.get("vmName"))
                .append(' ')
                .append(run.get("vmVersion"))
                .append(", mode ")
                .append(run.get("mode"))
                .append(", ")
                .append(integer(run.get("forks")))
                .append(" fork(s), warm-up ")
                .append(integer(run.get("warmupIterations")))
                .append(" × ")
                .append(run.get("warmupTime"))
                .append(", measurement ")
                .append(integer(run.get("measurementIterations")))
                .append(" × ")
                .append(run.get("measurementTime"))
                .append('.');
        if (machine != null && !machine.isBlank()) {
            header.append(" Machine: ").append(machine.strip()).append('.');
        }
        return header.toString();
    }

    private static void appendComparison(StringBuilder out, List<Result> results) {
        Set<String> peers = new LinkedHashSet<>();
        for (Result r : results) {
            if (!r.impl.equals(OURS)) {
                peers.add(r.impl);
            }
        }
        String unit = results.get(0).unit;
        out.append("Side by side (")
                .append(unit)
                .append(" ± 99.9 % error, lower is better; `peer / ours` above 1 means ")
                .append(OURS)
                .append(" is faster; B/op is `gc.alloc.rate.norm`):\n\n");
        out.append("| benchmark | threads | ").append(OURS);
        for (String peer : peers) {
            out.append(" | ").append(peer);
        }
        for (String peer : peers) {
            out.append(" | ").append(peer).append(" / ours");
        }
        out.append(" | faster peer / ours | B/op ").append(OURS);
        for (String peer : peers) {
            out.append(" | B/op ").append(peer);
        }
        out.append(" |\n| --- | ---:");
        int numeric = 1 + peers.size() * 2 + 1 + 1 + peers.size();
        out.append(" | ---:".repeat(numeric)).append(" |\n");

        for (Map.Entry<String, Map<String, Result>> row : rows(results).entrySet()) {
            Map<String, Result> byImpl = row.getValue();
            Result ours = byImpl.get(OURS);
            Result any = byImpl.values().iterator().next();
            out.append("| `").append(any.name).append("` | ").append(any.threads);
            out.append(" | ").append(score(ours));
            for (String peer : peers) {
                out.append(" | ").append(score(byImpl.get(peer)));
            }
            double fasterPeer = Double.NaN;
            for (String peer : peers) {
                Result p = byImpl.get(peer);
                out.append(" | ").append(ratio(p, ours));
                if (p != null && !(p.score >= fasterPeer)) {
                    fasterPeer = p.score;
                }
            }
            out.append(" | ").append(ours == null || Double.isNaN(fasterPeer) ? "–" : times(fasterPeer / ours.score));
            out.append(" | ").append(bytes(ours));
            for (String peer : peers) {
                out.append(" | ").append(bytes(byImpl.get(peer)));
            }
            out.append(" |\n");
        }
    }

    private static void appendBaselines(StringBuilder out, List<Result> results) {
        out.append("Baselines (").append(results.get(0).unit).append(" ± 99.9 % error):\n\n");
        out.append("| benchmark | threads | score | B/op |\n| --- | ---: | ---: | ---: |\n");
        for (Map<String, Result> byImpl : rows(results).values()) {
            for (Result r : byImpl.values()) {
                out.append("| `")
                        .append(r.name)
                        .append("` | ")
                        .append(r.threads)
                        .append(" | ")
                        .append(score(r))
                        .append(" | ")
                        .append(bytes(r))
                        .append(" |\n");
            }
        }
    }

    /** Groups by benchmark (in order of appearance) and then by thread count (ascending), keyed by impl. */
    private static Map<String, Map<String, Result>> rows(List<Result> results) {
        List<String> names = new ArrayList<>();
        for (Result r : results) {
            if (!names.contains(r.name)) {
                names.add(r.name);
            }
        }
        Map<String, Map<String, Result>> rows = new LinkedHashMap<>();
        for (String name : names) {
            results.stream()
                    .filter(r -> r.name.equals(name))
                    .mapToInt(r -> r.threads)
                    .distinct()
                    .sorted()
                    .forEach(threads -> {
                        Map<String, Result> byImpl = new LinkedHashMap<>();
                        for (Result r : results) {
                            if (r.name.equals(name) && r.threads == threads) {
                                byImpl.put(r.impl == null ? "" : r.impl, r);
                            }
                        }
                        rows.put(name + "#" + threads, byImpl);
                    });
        }
        return rows;
    }

    private static String score(Result r) {
        if (r == null) {
            return "–";
        }
        String score = decimal(r.score);
        return Double.isNaN(r.error) ? score : score + " ± " + decimal(r.error);
    }

    private static String ratio(Result peer, Result ours) {
        return peer == null || ours == null ? "–" : times(peer.score / ours.score);
    }

    private static String times(double ratio) {
        return String.format(Locale.ROOT, ratio >= 10 ? "%.0f×" : "%.1f×", ratio);
    }

    private static String bytes(Result r) {
        if (r == null) {
            return "–";
        }
        if (Double.isNaN(r.bytesPerOp)) {
            return "n/a";
        }
        // JMH reports an allocation-free benchmark as a tiny fraction (TLAB and profiler noise); a byte is the unit.
        return String.format(Locale.ROOT, "%.0f", r.bytesPerOp);
    }

    /** Three significant digits at most, so that 0.52, 4.35, 14.2 and 1706 all read at a glance. */
    static String decimal(double value) {
        double magnitude = Math.abs(value);
        String format = magnitude >= 100 ? "%.0f" : magnitude >= 10 ? "%.1f" : "%.2f";
        return String.format(Locale.ROOT, format, value);
    }

    private static int integer(Object number) {
        return number instanceof Double d ? d.intValue() : 0;
    }

    /** One JMH result entry, reduced to what the tables show. */
    private record Result(
            String name, String impl, int threads, double score, double error, String unit, double bytesPerOp) {

        static Result of(Object entry) {
            if (!(entry instanceof Map<?, ?> run)
                    || !(run.get("benchmark") instanceof String benchmark)
                    || !(run.get("primaryMetric") instanceof Map<?, ?> primary)) {
                throw new IllegalArgumentException("not a JMH result entry: " + entry);
            }
            String name = benchmark.startsWith(PACKAGE) ? benchmark.substring(PACKAGE.length()) : benchmark;
            String impl =
                    run.get("params") instanceof Map<?, ?> params && params.get("impl") instanceof String s ? s : null;
            double bytes = Double.NaN;
            if (run.get("secondaryMetrics") instanceof Map<?, ?> secondary
                    && secondary.get("gc.alloc.rate.norm") instanceof Map<?, ?> norm) {
                bytes = number(norm.get("score"));
            }
            return new Result(
                    name,
                    impl,
                    integer(run.get("threads")),
                    number(primary.get("score")),
                    number(primary.get("scoreError")),
                    String.valueOf(primary.get("scoreUnit")),
                    bytes);
        }

        /** JMH writes NaN and infinities as strings. */
        private static double number(Object value) {
            if (value instanceof Double d) {
                return d;
            }
            if (value instanceof String s) {
                try {
                    return Double.parseDouble(s);
                } catch (NumberFormatException e) {
                    return Double.NaN;
                }
            }
            return Double.NaN;
        }
    }
}
