#!/usr/bin/env bash
# Builds the tests with AddressSanitizer + UndefinedBehaviorSanitizer in build-asan/ and runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan-suppressions.txt${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
BUILD_DIR=build-asan BUILD_TYPE=Debug ./scripts/test.sh -DMINITORCH_SANITIZE=ON -DMINITORCH_CUDA=OFF "$@"
