#!/usr/bin/env bash
# The fit benchmark of docs/performance.md: 3 parameters fitted to 14 daily observations of a 100,000-device
# fleet. The observations are cofleet's own: scenarios/pilot.toml on 100,000 devices, run with seed 99, a
# 3-day enrollment spread and 2 % permanent failures (synthetic, never real data).
# Usage, from the repository root after `cargo build --release`:
#   scripts/bench-fit.sh [extra `cofleet fit` flags, e.g. --devices 10000 or --bootstrap 0]
set -euo pipefail
bin=./target/release/cofleet
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed -e 's/devices = 2_000/devices = 100_000/' scenarios/pilot.toml >"$dir/base.toml"
{
    sed -e 's/seed = 7/seed = 99/' "$dir/base.toml"
    printf '\n[timers]\nenrollment_spread = "3d"\n[failures]\npermanent = 0.02\n'
} >"$dir/truth.toml"
scripts/daily-progress.sh "$dir/truth.toml" 14 "$dir/progress.csv"
/usr/bin/time -f "cofleet fit: %e s wall, %M KB peak" "$bin" fit "$dir/base.toml" \
    --observed "$dir/progress.csv" --out "$dir/fit" \
    --param timers.enrollment_spread=1d..5d \
    --param failures.permanent=0.005..0.1 \
    --param fleet.availability.intermittent=0.05..0.4 "$@"
