#!/usr/bin/env bash
# Runs SCENARIO and writes the first DAYS days of its timeline as a `cofleet fit` progress file: one row a day
# (`1d` … `DAYSd`), the co_managed and failed counts at the start of that day (docs/fit.md) — cofleet's own
# output, the synthetic "observations" of the fit example and benchmark.
# Usage, from the repository root after `cargo build --release`: scripts/daily-progress.sh SCENARIO DAYS OUT
set -euo pipefail
scenario=${1:?usage: scripts/daily-progress.sh SCENARIO DAYS OUT}
days=${2:?usage: scripts/daily-progress.sh SCENARIO DAYS OUT}
out=${3:?usage: scripts/daily-progress.sh SCENARIO DAYS OUT}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
./target/release/cofleet run --quiet --no-plots --out "$dir/run" "$scenario" >/dev/null
# Hourly rows: row 24·d of the timeline is day d.
awk -F, -v days="$days" '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; print "time,co_managed,failed"; next }
    (NR - 2) % 24 == 0 && (NR - 2) / 24 >= 1 && (NR - 2) / 24 <= days {
        print (NR - 2) / 24 "d," $col["co_managed"] "," $col["failed"] }' \
    "$dir/run/timeline.csv" >"$dir/progress.csv"
mv "$dir/progress.csv" "$out"
