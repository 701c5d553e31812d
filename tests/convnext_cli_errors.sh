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
# safetensors FILE HEADER_JSON DATA_BYTES: a safetensors file of zero bytes after the header.
safetensors() {
  n=${#2}
  printf "\\$(printf %03o $((n % 256)))\\$(printf %03o $((n / 256)))\\0\\0\\0\\0\\0\\0%s" "$2" >"$1"
  head -c "$3" /dev/zero >>"$1"
}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
stem='"features.0.0.weight":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}'
safetensors "$dir/six.safetensors" "{$stem,\"classifier.2.weight\":{\"dtype\":\"F32\",\"shape\":[6,1],\"data_offsets\":[4,28]}}" 28
safetensors "$dir/headless.safetensors" "{$stem}" 4
# predict names ImageNet's classes: a fine-tuned or headless checkpoint would predict with a random head.
expect_error "predict: '$dir/six.safetensors' has a 6-class head; predict names ImageNet's 1000 classes" \
  predict --weights "$dir/six.safetensors" --device cpu x.png
expect_error "has no classifier head; predict names ImageNet's 1000 classes" predict --weights "$dir/headless.safetensors" --device cpu x.png
expect_error "convert: '$dir/headless.safetensors' has no classifier head" convert "$dir/headless.safetensors" "$dir/out.safetensors"
if ! "$bin" --help >/dev/null 2>&1; then echo "FAILED: convnext --help"; failures=$((failures + 1)); fi
[ "$failures" -eq 0 ] && echo "convnext CLI errors: all as expected"
exit "$failures"
