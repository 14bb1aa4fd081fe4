#!/usr/bin/env bash
# Times the bundled benchmarks and prints a markdown table: bench-1m with 1 and 2 threads, load accounting on and
# off (the load-off run is a generated copy of bench-1m.toml with `[load] enabled = false`, under target/bench/),
# and bench-10m with 2 threads; bench-100m with 2 threads once at the end with --with-100m. Runs are interleaved
# round by round (a shared machine drifts: ratios of runs made side by side are what it can resolve), and the
# table gives medians over the rounds: wall time, user CPU, peak RSS, the simulated events the run reports and
# user-CPU nanoseconds per event, then the ratios (on/off and 1 → 2 threads as medians of the per-round ratios).
#
#   scripts/bench.sh [-n ROUNDS] [--with-100m] [--no-10m] [--compare OTHER_COFLEET_BINARY]
#   scripts/bench.sh --report SAMPLES_TSV    # the table again, from the samples of an earlier (or cut short) run
#
# --compare times another build (an older release, a branch) in the same rounds, interleaved run by run, for a
# before/after table made in one sitting. Results go to target/bench/out-*; every run writes its full results
# folder (plots and report included), as `cofleet run` does.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=5
with_100m=0
with_10m=1
compare=""
report=""
while [ $# -gt 0 ]; do
    case "$1" in
        -n) rounds="$2"; shift 2 ;;
        --with-100m) with_100m=1; shift ;;
        --no-10m) with_10m=0; shift ;;
        --compare) compare="$2"; shift 2 ;;
        --report) report="$2"; shift 2 ;;
        -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
case "$rounds" in
    ''|*[!0-9]*|0) echo "bench.sh: -n wants a positive whole number of rounds, got '$rounds'" >&2; exit 2 ;;
esac
if [ -n "$compare" ] && [ ! -x "$compare" ]; then
    echo "bench.sh: --compare $compare is not an executable" >&2
    exit 2
fi
if [ ! -x /usr/bin/time ]; then
    echo "bench.sh: needs GNU time at /usr/bin/time (package 'time')" >&2
    exit 2
fi

# The table, from the samples (medians over rounds; ratios as medians of the per-round ratios): `table SAMPLES LOAD`.
table() {
awk -F'\t' -v load_after="$2" -v cpus="$(nproc)" '
function median(list,    n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function add(list, x) { return list == "" ? x : list " " x }
{
    key = $1 SUBSEP $2 SUBSEP $3
    if (!(key in wall)) order[++keys] = key
    wall[key] = add(wall[key], $4); user[key] = add(user[key], $5); rss[key] = add(rss[key], $6)
    events[key] = $7
    n[key]++
    if (n[key] > rounds) rounds = n[key]
    # Per-round ratios: the i-th run of one case against the i-th of the other.
    wall_at[key, n[key]] = $4; user_at[key, n[key]] = $5
}
function ratio(a, b, what,    i, list) {
    list = ""
    for (i = 1; i <= n[a] && i <= n[b]; i++) {
        if (what == "wall") list = add(list, wall_at[a, i] / wall_at[b, i])
        else list = add(list, user_at[a, i] / user_at[b, i])
    }
    return list == "" ? "-" : sprintf("%.2f×", median(list))
}
END {
    printf "| build | run | threads | wall (median) | user CPU (median) | peak RSS (median) | events | user-CPU ns / event | runs |\n"
    printf "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
    for (i = 1; i <= keys; i++) {
        k = order[i]; split(k, part, SUBSEP)
        u = median(user[k])
        per = events[k] == "-" ? "-" : sprintf("%.0f", u * 1e9 / events[k])
        printf "| %s | %s | %s | %.2f s | %.2f s | %.0f MB | %s | %s | %d |\n", part[1], part[2], part[3], median(wall[k]), u, median(rss[k]) / 1024, events[k], per, n[k]
    }
    printf "\n| build | ratio | wall | user CPU |\n| --- | --- | --- | --- |\n"
    # Builds in the order they ran, each with its 2-thread then 1-thread ratios.
    for (i = 1; i <= keys; i++) {
        split(order[i], part, SUBSEP)
        if (!(part[1] in seen)) { seen[part[1]] = 1; builds[++nbuilds] = part[1] }
    }
    for (b = 1; b <= nbuilds; b++) {
        build = builds[b]
        for (t = 2; t >= 1; t--) {
            k = build SUBSEP "1m" SUBSEP t
            if (!(k in n)) continue
            off = build SUBSEP "1m-noload" SUBSEP t
            if (off in n) printf "| %s | load on / off, %d thread(s) | %s | %s |\n", build, t, ratio(k, off, "wall"), ratio(k, off, "user")
            if (t != 2) continue
            one = build SUBSEP "1m" SUBSEP "1"
            if (one in n) printf "| %s | 1 → 2 threads (1-thread wall / 2-thread wall) | %s | |\n", build, ratio(one, k, "wall")
            ten = build SUBSEP "10m" SUBSEP "2"
            if (ten in n) printf "| %s | bench-10m / bench-1m, 2 threads | %s | %s |\n", build, ratio(ten, k, "wall"), ratio(ten, k, "user")
            hundred = build SUBSEP "100m" SUBSEP "2"
            if (hundred in n && ten in n) printf "| %s | bench-100m / bench-10m (median), 2 threads | %.2f× | %.2f× |\n", build, median(wall[hundred]) / median(wall[ten]), median(user[hundred]) / median(user[ten])
        }
    }
    printf "\n%d round(s), %d CPUs; load average %s at the end.\n", rounds, cpus, load_after
}' "$1"
}

if [ -n "$report" ]; then
    [ -f "$report" ] || { echo "bench.sh: --report $report: no such file" >&2; exit 2; }
    table "$report" "(not recorded)"
    exit 0
fi

cargo build --release --locked >&2
dir=target/bench
mkdir -p "$dir"
if grep -q '^\[load\]' scenarios/bench-1m.toml; then
    echo "bench.sh: scenarios/bench-1m.toml has a [load] table; the load-off copy cannot append one" >&2
    exit 2
fi
noload="$dir/bench-1m-noload.toml"
{ cat scenarios/bench-1m.toml; printf '\n[load]\nenabled = false\n'; } >"$noload"

builds=("this:./target/release/cofleet")
if [ -n "$compare" ]; then
    cp "$compare" "$dir/cofleet-compare"
    builds+=("compare:$dir/cofleet-compare")
fi
samples="$dir/samples.tsv"
: >"$samples"

# One run: appends "build  case  threads  wall_s  user_s  rss_kb  events" to the samples.
run() {
    local build="$1" bin="$2" case="$3" scenario="$4" threads="$5"
    local timing="$dir/time.txt" err="$dir/stderr.txt"
    if ! /usr/bin/time -o "$timing" -f "%e %U %M" "$bin" run "$scenario" --out "$dir/out-$case" --force \
        --threads "$threads" >/dev/null 2>"$err"; then
        echo "bench.sh: $bin run $scenario --threads $threads failed:" >&2
        cat "$err" >&2
        exit 1
    fi
    # `cofleet run` without --quiet tells on stderr: "simulated N devices, E events in S s (T threads)".
    local events
    events=$(sed -n 's/^simulated .* devices, \([0-9,]*\) events in .*/\1/p' "$err" | tr -d ,)
    printf '%s\t%s\t%s\t%s\t%s\n' "$build" "$case" "$threads" "$(cat "$timing")" "${events:--}" \
        | tr ' ' '\t' >>"$samples"
    printf '  %-8s %-16s %st  %s\n' "$build" "$case" "$threads" "$(cat "$timing")" >&2
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for round in $(seq "$rounds"); do
    echo "round $round of $rounds" >&2
    for threads in 2 1; do
        for b in "${builds[@]}"; do
            run "${b%%:*}" "${b#*:}" "1m" scenarios/bench-1m.toml "$threads"
            run "${b%%:*}" "${b#*:}" "1m-noload" "$noload" "$threads"
        done
    done
    if [ "$with_10m" = 1 ]; then
        for b in "${builds[@]}"; do
            run "${b%%:*}" "${b#*:}" "10m" scenarios/bench-10m.toml 2
        done
    fi
done
if [ "$with_100m" = 1 ]; then
    run this ./target/release/cofleet "100m" scenarios/bench-100m.toml 2
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)


table "$samples" "$load_after"
