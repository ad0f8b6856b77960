#!/usr/bin/env bash
# Regenerates docs/results/paper-figure/: the paper's synthetic figure by the authors' protocol
# and by geomem's, the network panel read from a `geomem train --config paper` run (N = 500)
# at its latest checkpoint (or STEP), the origin panel's N-independence for N = 250, 1000, 20000.
#   scripts/paper_figure.sh [RUN] [STEP]     default RUN = resume/paper-network/n500-s0 (committed resume state), latest step
#   scripts/paper_figure.sh RUN/checkpoints/step-0256000.pt   a kept snapshot file (its run at its step)
# The output goes to runs/paper-figure/<step>/ (a finished one is read back, never overwritten),
# then its figures, arrays and JSON are copied to docs/results/paper-figure/.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${1:-resume/paper-network/n500-s0}
PY=${PYTHON:-python}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
STEP_OPT=()
if [ -n "${2:-}" ]; then STEP_OPT=(--step "$2"); fi
# the step the run holds now (the dry run reads the checkpoint and records it)
STEP=$($PY -m geomem experiment paper-figure --model "$RUN" "${STEP_OPT[@]}" --dry-run \
    | $PY -c 'import json,sys; print(json.load(sys.stdin)["config"]["model_step"])')
OUT=runs/paper-figure/step-$STEP
start=$(date +%s)
$PY -m geomem experiment paper-figure --model "$RUN" "${STEP_OPT[@]}" --out "$OUT"
echo "wall $(( $(date +%s) - start )) s"
mkdir -p docs/results/paper-figure
cp "$OUT"/paper_figure.png "$OUT"/n_independence.png "$OUT"/arrays.npz "$OUT"/metrics.json \
    "$OUT"/config.json docs/results/paper-figure/
