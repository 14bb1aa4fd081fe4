#!/usr/bin/env bash
# Regenerates every committed run output in one go: results/quickstart/ (the README's example, compared byte
# for byte by a test) and the CI gate's baselines in results/baselines/<scenario>/.
#
# Run it after an intended change of the simulation model or of summary.json (a new parameter changes every
# scenario_hash, so the gate refuses the old baselines), review `git diff results/`, and commit the result with
# the change that caused it.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked
cofleet=./target/release/cofleet

"$cofleet" run scenarios/quickstart.toml --quiet >/dev/null        # writes results/quickstart/
"$cofleet" baseline save results/quickstart --to results/baselines/quickstart

for scenario in reference; do
    out="target/baseline-runs/$scenario"
    "$cofleet" run "scenarios/$scenario.toml" --out "$out" --quiet >/dev/null
    "$cofleet" baseline save "$out" --to "results/baselines/$scenario"
done
