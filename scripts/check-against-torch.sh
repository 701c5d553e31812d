#!/usr/bin/env bash
# The opt-in comparisons with PyTorch: installs Debian's python3-torch and python3-torchvision,
# builds with -DMINITORCH_TORCH_CHECK=ON and runs the full-size ConvNeXt check.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh python3-torch python3-torchvision
./scripts/build.sh -DMINITORCH_TORCH_CHECK=ON >/dev/null
cd "${BUILD_DIR:-build}" && ctest --output-on-failure -R convnext_full_torch
