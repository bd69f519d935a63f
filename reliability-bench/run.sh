#!/usr/bin/env bash
# Runs the JMH suite side by side with the peers and regenerates the results table in README.md.
#
#   reliability-bench/run.sh [quick|full] [BENCHMARK_REGEX...]
#
# quick: 1 fork, 3 x 1 s warm-up, 5 x 1 s measurement (about 3-5 minutes); full: 3 forks, 5 x 2 s, 10 x 2 s.
# Each mode runs at 1 and at 2 threads with -prof gc, then ManyThreadsBenchmark at its own 64 threads, writes
# results/<date>-<jdk>.json (all thread counts in one file) and rewrites the block between the results markers in
# README.md. JAVA overrides the java binary. VirtualThreadBenchmark needs JDK 21+: it runs on JAVA21 (default: Temurin
# 25 at /usr/lib/jvm/temurin-25-jdk-amd64 when present, else JAVA if that is 21+) into results/<date>-<jdk>-vt.json,
# outside the table (its scores are milliseconds per run, not nanoseconds per call); skipped with a message otherwise.
set -euo pipefail

bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root_dir="$(dirname "$bench_dir")"
jar="$bench_dir/target/benchmarks.jar"
java_bin="${JAVA:-java}"

mode="${1:-quick}"
if [[ $# -gt 0 ]]; then
    shift
fi
case "$mode" in
    quick) jmh_opts=(-f 1 -wi 3 -i 5 -r 1s -w 1s) ;;
    full) jmh_opts=(-f 3 -wi 5 -i 10 -r 2s -w 2s) ;;
    *)
        echo "usage: $0 [quick|full] [BENCHMARK_REGEX...]" >&2
        exit 2
        ;;
esac
# Without a regex, every benchmark of the module (JMH matches regexes against the full benchmark names), except
# JdbcBenchmark, which needs a PostgreSQL server: name it to run it.
if [[ $# -gt 0 ]]; then
    benchmarks=("$@")
else
    benchmarks=('dev\.reliability\.bench\..*' -e 'JdbcBenchmark')
fi
# JMH's -t overrides @Threads, so the 64-thread and the virtual-thread benchmarks run in passes of their own.
loop_benchmarks=("${benchmarks[@]}" -e 'ManyThreadsBenchmark' -e 'VirtualThreadBenchmark')
wants() { # whether a regex given (not one after -e), or the default, names benchmark class $1
    local previous="" b
    for b in "${benchmarks[@]}"; do
        if [[ "$previous" != "-e" && ("$b" == *"$1"* || "$b" == 'dev\.reliability\.bench\..*') ]]; then
            return 0
        fi
        previous="$b"
    done
    return 1
}

if [[ ! -f "$jar" ]]; then
    echo "run.sh: $jar is missing, building it" >&2
    (cd "$root_dir" && mvn -B -q -pl reliability-bench -am package -DskipTests)
fi

jdk="$("$java_bin" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.version = //p')"
results_dir="$bench_dir/results"
out="$results_dir/$(date -u +%F)-${jdk}.json"
mkdir -p "$results_dir"

load="$(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null || echo unknown)"
parts=()
cleanup() {
    if [[ ${#parts[@]} -gt 0 ]]; then
        rm -f "${parts[@]}"
    fi
}
trap cleanup EXIT

for threads in 1 2; do
    part="$out.t$threads.tmp"
    parts+=("$part")
    echo "run.sh: $mode suite at $threads thread(s)" >&2
    "$java_bin" -jar "$jar" "${loop_benchmarks[@]}" "${jmh_opts[@]}" -t "$threads" -prof gc -foe true \
        -rf json -rff "$part"
done

if wants ManyThreadsBenchmark; then
    part="$out.t64.tmp"
    parts+=("$part")
    echo "run.sh: $mode ManyThreadsBenchmark at its 64 threads" >&2
    "$java_bin" -jar "$jar" 'ManyThreadsBenchmark' -p impl=reliability,resilience4j,failsafe "${jmh_opts[@]}" \
        -prof gc -foe true -rf json -rff "$part"
fi

if wants VirtualThreadBenchmark; then
    java21="${JAVA21:-}"
    if [[ -z "$java21" && -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]]; then
        java21=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
    fi
    if [[ -z "$java21" ]] && "$java_bin" -XshowSettings:properties -version 2>&1 | grep -qE 'java\.specification\.version = (2[1-9]|[3-9][0-9])'; then
        java21="$java_bin"
    fi
    if [[ -n "$java21" ]]; then
        vt_jdk="$("$java21" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.version = //p')"
        echo "run.sh: VirtualThreadBenchmark on JDK $vt_jdk" >&2
        "$java21" -jar "$jar" 'VirtualThreadBenchmark' -f "$([[ $mode == full ]] && echo 3 || echo 1)" -wi 2 -i 3 \
            -foe true -rf json -rff "$results_dir/$(date -u +%F)-${vt_jdk}-vt.json"
    else
        echo "run.sh: no JDK 21+ (set JAVA21): VirtualThreadBenchmark skipped" >&2
    fi
fi

"$java_bin" -cp "$jar" dev.reliability.bench.report.ResultsTable merge "$out" "${parts[@]}"

cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1 || true)"
machine="$(date -u '+%F %H:%M UTC'), $mode run, $(nproc) cores${cpu:+ ($cpu)}, $(uname -sr), load average $load at the start"
"$java_bin" -cp "$jar" dev.reliability.bench.report.ResultsTable table "$out" \
    --readme "$bench_dir/README.md" --machine "$machine" --source "results/$(basename "$out")"

echo "run.sh: wrote $out and the table in $bench_dir/README.md" >&2
