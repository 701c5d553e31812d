#!/usr/bin/env bash
# Builds the tests with AddressSanitizer + UndefinedBehaviorSanitizer in build-asan/ and runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=build-asan BUILD_TYPE=Debug ./scripts/test.sh -DMINITORCH_SANITIZE=ON -DMINITORCH_CUDA=OFF "$@"
