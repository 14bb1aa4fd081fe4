#!/usr/bin/env bash
# The MPI backend's acceptance test: `mpirun -n R cofleet run SCENARIO` must write a results folder
# byte-identical to the single-process run, for every R given (default 1 2 3) and any thread count.
#
#   scripts/mpi-equality.sh BINARY [SCENARIO] [RANKS...]
#
# BINARY is a cofleet built with `--features mpi`. Exits non-zero on the first difference (diff -r shows it).
set -euo pipefail
bin=${1:?usage: scripts/mpi-equality.sh BINARY [SCENARIO] [RANKS...]}
scenario=${2:-scenarios/reference.toml}
shift $(( $# >= 2 ? 2 : 1 ))
ranks=("$@")
[ ${#ranks[@]} -gt 0 ] || ranks=(1 2 3)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$bin" run "$scenario" --out "$work/single" --threads 2 --quiet > /dev/null
for r in "${ranks[@]}"; do
    start=$(date +%s%N)
    # Yield when idle: with more ranks than cores, busy-polling ranks would starve each other.
    mpirun --allow-run-as-root --oversubscribe --mca mpi_yield_when_idle 1 -n "$r" \
        "$bin" run "$scenario" --out "$work/mpi-$r" --threads 1 --quiet > /dev/null
    end=$(date +%s%N)
    diff -r "$work/single" "$work/mpi-$r"
    ms=$(( (end - start) / 1000000 ))
    printf 'mpi: %d rank(s) = single process, byte for byte (%d.%03d s)\n' "$r" $((ms / 1000)) $((ms % 1000))
done
