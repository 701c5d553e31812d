#!/usr/bin/env bash
# Builds the tests with AddressSanitizer + UndefinedBehaviorSanitizer in build-asan/ and runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan-suppressions.txt${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
# A corrupt file can make libhdf5 ask malloc for absurd sizes, which it survives when malloc
# returns null, as it does without ASan (test_mat corrupts .mat files on purpose).
export ASAN_OPTIONS="allocator_may_return_null=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
BUILD_DIR=build-asan BUILD_TYPE=Debug ./scripts/test.sh -DMINITORCH_SANITIZE=ON -DMINITORCH_CUDA=OFF "$@"
