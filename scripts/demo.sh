#!/usr/bin/env bash
# The main job: builds minitorch and runs the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh >/dev/null
./build/examples/spiral_classifier "$@"
