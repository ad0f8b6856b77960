#!/usr/bin/env bash
# (Re)reads the paper-network snapshots into docs/results/paper-network/ (no training):
# every kept snapshot checkpoints/step-*.pt of the three paper-network runs (N = 250, 500,
# 20 000), of the deterministic replay of N = 500's first 64 000 steps, and of any further
# folders of the same runs given (an earlier session's copies holding the early log grid),
# each (run, step) once: rows already in docs/results/paper-network/results.jsonl are skipped,
# new ones appended; summary.json, kept_vs_step.png and authors_spectra.png are rebuilt.
#   scripts/paper_network_readouts.sh [ROOT [FOLDER ...]]
#       ROOT holds resume/paper-network/ and runs/paper-replay/ (default: this checkout);
#       FOLDERs: more run folders, e.g. /work/paper-runs/n{250,500,20000}-s0
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=${1:-.}
shift || true
PY=${PYTHON:-python}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
RUNS=()
for d in "$ROOT"/resume/paper-network/n{250,500,20000}-s0 "$ROOT"/runs/paper-replay/n500-s0 "$@"; do
    if [ -f "$d/config.json" ]; then RUNS+=("$d"); fi
done
IFS=,; LIST="${RUNS[*]}"; unset IFS
start=$(date +%s)
$PY -m geomem experiment paper-network --runs "$LIST" --out docs/results/paper-network
echo "wall $(( $(date +%s) - start )) s"
