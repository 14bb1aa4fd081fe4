#!/usr/bin/env bash
# The MPI backend's acceptance test: `mpirun -n R cofleet run SCENARIO` must write a results folder
# byte-identical to the single-process run, for every R given (default 1 2 3) and any thread count.
#
#   scripts/mpi-equality.sh BINARY [SCENARIO] [RANKS...]
#
# BINARY is a cofleet built with `--features mpi`. Exits non-zero on the first difference (diff -r shows it).
# Also checks that a scenario's warnings are said once, as by the single process, however many ranks read it.
set -euo pipefail
bin=${1:?usage: scripts/mpi-equality.sh BINARY [SCENARIO] [RANKS...]}
scenario=${2:-scenarios/reference.toml}
shift $(( $# >= 2 ? 2 : 1 ))
ranks=("$@")
[ ${#ranks[@]} -gt 0 ] || ranks=(1 2 3)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$bin" run "$scenario" --out "$work/single" --threads 2 --quiet > /dev/null 2> "$work/single.err"
# The same scenario with a warning of its own (a configuration error whose fix comes after the end of the run).
cp "$scenario" "$work/warned.toml"
printf '\n[[failure]]\ncode = "0x80180014"\nshare = 0.01\nstep = "mdm_enrollment"\nkind = "configuration"\nfixed_at = "3650d"\n' \
    >> "$work/warned.toml"
"$bin" run "$work/warned.toml" --out "$work/warned-single" --threads 2 --quiet > /dev/null 2> "$work/warned-single.err"
grep -q '^warning:' "$work/warned-single.err"
# `run_ranks R SCENARIO OUT`: the scenario as R ranks, its stderr kept in OUT.err (shown if the run fails).
run_ranks() {
    # Yield when idle: with more ranks than cores, busy-polling ranks would starve each other.
    if ! mpirun --allow-run-as-root --oversubscribe --mca mpi_yield_when_idle 1 -n "$1" \
        "$bin" run "$2" --out "$3" --threads 1 --quiet > /dev/null 2> "$3.err"; then
        cat "$3.err" >&2
        return 1
    fi
}
for r in "${ranks[@]}"; do
    start=$(date +%s%N)
    run_ranks "$r" "$scenario" "$work/mpi-$r"
    end=$(date +%s%N)
    diff -r "$work/single" "$work/mpi-$r"
    run_ranks "$r" "$work/warned.toml" "$work/warned-$r"
    if ! diff <(grep '^warning:' "$work/warned-single.err") <(grep '^warning:' "$work/warned-$r.err"); then
        echo "mpi: with $r rank(s) the scenario's warnings were not said exactly once" >&2
        exit 1
    fi
    ms=$(( (end - start) / 1000000 ))
    printf 'mpi: %d rank(s) = single process, byte for byte (%d.%03d s)\n' "$r" $((ms / 1000)) $((ms % 1000))
done
