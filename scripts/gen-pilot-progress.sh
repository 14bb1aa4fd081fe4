#!/usr/bin/env bash
# Writes scenarios/pilot-progress.csv, the synthetic "observed" progress docs/fit.md fits scenarios/pilot.toml to:
# the first 10 days (co_managed and failed, one row a day) of scenarios/pilot.toml run with seed 99, a 3-day
# enrollment spread and 12 % of MDM enrollment attempts failing — cofleet's own output, never real data.
# Usage, from the repository root after `cargo build --release`: scripts/gen-pilot-progress.sh [OUT]
set -euo pipefail
out=${1:-scenarios/pilot-progress.csv}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
{
    sed -e 's/^seed = 7$/seed = 99/' scenarios/pilot.toml
    printf '\n[timers]\nenrollment_spread = "3d"\n[failures]\nmdm_enrollment = 0.12\n'
} >"$dir/truth.toml"
scripts/daily-progress.sh "$dir/truth.toml" 10 "$out"
