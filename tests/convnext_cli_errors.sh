#!/bin/sh
# The convnext program's bad input: one error line naming the problem, and a non-zero exit.
#   tests/convnext_cli_errors.sh PATH/TO/convnext
bin=$1
failures=0
expect_error() {
  fragment=$1
  shift
  out=$("$bin" "$@" 2>&1)
  status=$?
  lines=$(printf '%s\n' "$out" | wc -l)
  if [ "$status" -eq 0 ] || [ "$lines" -ne 1 ] || ! printf '%s' "$out" | grep -qF -- "$fragment"; then
    echo "FAILED: convnext $* (exit $status) printed:"
    echo "$out"
    failures=$((failures + 1))
  fi
}
expect_error "convnext: error: --device must be auto, cpu or cuda, got 'tpu'" predict --weights none.safetensors --device tpu x.png
expect_error "none.safetensors" predict --weights none.safetensors --device cpu x.png
if ! "$bin" --help >/dev/null 2>&1; then echo "FAILED: convnext --help"; failures=$((failures + 1)); fi
[ "$failures" -eq 0 ] && echo "convnext CLI errors: all as expected"
exit "$failures"
