#!/usr/bin/env bash
# Configures and builds minitorch with CMake into build/ (or $BUILD_DIR).
# Extra arguments go to CMake's configure step, e.g. -DMINITORCH_SANITIZE=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
"$PWD/scripts/install-deps.sh"
build_dir=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-Release} "$@" >"$build_dir.configure.log" 2>&1 \
  || { cat "$build_dir.configure.log" >&2; exit 1; }
cmake --build "$build_dir" -j "$jobs"
