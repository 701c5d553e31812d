#!/usr/bin/env bash
# The main job: builds minitorch and runs `faceage demo`: a synthetic CACD-like set is drawn,
# sorted into age groups, split, a ConvNeXt is trained on it, and its curves, confusion heatmap,
# PCA/t-SNE plots and report.html are written to faceage-demo/result/.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh >/dev/null
./build/apps/faceage/faceage demo --out "${1:-faceage-demo}"
