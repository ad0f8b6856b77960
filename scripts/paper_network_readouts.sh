#!/usr/bin/env bash
# (Re)reads the paper-network snapshots into docs/results/paper-network/ (no training):
# every kept snapshot checkpoints/step-*.pt of the three paper-network runs (N = 250, 500,
# 20 000) and of the deterministic replay of N = 500's first 64 000 steps, each (run, step)
# once: rows already in docs/results/paper-network/results.jsonl are skipped, new ones
# appended; summary.json, kept_vs_step.png and authors_spectra.png are rebuilt from all rows.
#   scripts/paper_network_readouts.sh [ROOT]   ROOT holds resume/paper-network/ and runs/paper-replay/
#                                              (default: this checkout)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=${1:-.}
PY=${PYTHON:-python}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
RUNS=()
for d in "$ROOT"/runs/paper-replay/n500-s0 "$ROOT"/resume/paper-network/n{250,500,20000}-s0; do
    if [ -f "$d/config.json" ]; then RUNS+=("$d"); fi
done
IFS=,; LIST="${RUNS[*]}"; unset IFS
start=$(date +%s)
$PY -m geomem experiment paper-network --runs "$LIST" --out docs/results/paper-network
echo "wall $(( $(date +%s) - start )) s"
