#!/usr/bin/env bash
# The whole GPU check in one run, on a machine with an NVIDIA GPU (the lent H200), from the
# bundle scripts/gpu-bundle.sh made: the CUDA tests, a `faceage train --device cuda` smoke run on
# a small synthetic set, and ConvNeXt-Tiny at 224x224, batch 128, inference and training step,
# against PyTorch eager (channels_last) on the same GPU, in fp32 and bf16 autocast. Prints a
# table last; logs and JSON lines go to ${OUT:-/tmp/gpu-check}.
#
#   scripts/gpu-check.sh [--quick]     (--quick: tests and smoke run only)
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/gpu-check}
mkdir -p "$out"
bundle=.gpu-bundle
[ -x "$bundle/bin/test_cuda" ] || { echo "gpu-check: no $bundle (run scripts/gpu-bundle.sh first, then carry it)"; exit 2; }
python=$(command -v python3) || { echo "gpu-check: python3 (with PyTorch) is needed for the comparison"; exit 2; }
# The folders of NVIDIA's pip packages next to PyTorch that hold cuBLAS, cuDNN (loaded at run
# time, optional) and NVRTC (which some cuDNN engines need); the layout differs between CUDA
# versions (nvidia/cublas/lib, nvidia/cu13/lib), so the libraries are looked for by name.
site_dirs=$("$python" -c 'import site; print(" ".join(site.getsitepackages()))' 2>/dev/null)
nvidia_libs=$(for d in $site_dirs; do [ -d "$d/nvidia" ] && find "$d/nvidia" \( -name 'libcublas.so.*' -o \
  -name 'libcudnn.so.*' -o -name 'libnvrtc.so.*' \) -printf '%h\n'; done 2>/dev/null | sort -u | paste -sd: -)
# Our binaries find the carried libraries and those through this path; Python (PyTorch) must not
# see it, so it is set per command by `ours`, never exported.
ours_path="$PWD/$bundle/lib:${nvidia_libs}:/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}"
ours() { LD_LIBRARY_PATH="$ours_path" "$@"; }
status=0
step() { echo; echo "== $*"; }

step "GPU"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
echo "NVIDIA libraries from pip: ${nvidia_libs:-none found}"
# A library the binaries cannot find (cuBLAS of another CUDA major version, say) is named here.
missing=$(for b in "$bundle"/bin/*; do ours ldd "$b"; done | grep "not found" | sort -u)
[ -z "$missing" ] || { echo "gpu-check: libraries not found:"; echo "$missing"; }

step "CUDA tests (every op against the CPU, a ConvNeXt train step)"
ours timeout 300 "$bundle/bin/test_cuda" 2>&1 | tee "$out/test_cuda.log" | tail -n 40
test_status=${PIPESTATUS[0]}
if [ "$test_status" != 0 ]; then
  status=1
  # A fault inside a kernel leaves the CUDA context unusable, so every later test case fails too,
  # and it surfaces at the next synchronisation, under another call's name. Each test case is
  # therefore run again alone, in a fresh process, with every launch synchronous: the failures
  # listed are each case's own, and an error names the kernel that failed.
  step "CUDA tests again, one test case per process, with CUDA_LAUNCH_BLOCKING=1"
  cases=$(ours "$bundle/bin/test_cuda" --count 2>/dev/null | sed -n 's/.*current filters: \([0-9]*\).*/\1/p')
  for i in $(seq 1 "${cases:-0}"); do
    CUDA_LAUNCH_BLOCKING=1 ours timeout 90 "$bundle/bin/test_cuda" --first=$i --last=$i --duration=true \
      > "$out/test_cuda_case$i.log" 2>&1
    case_status=$?
    name=$(sed -n 's/^[0-9.]* s: //p' "$out/test_cuda_case$i.log" | head -n 1)
    if [ $case_status = 0 ]; then
      echo "case $i: passed: $name"
    else
      echo "case $i: FAILED (exit $case_status): ${name:-see test_cuda_case$i.log}"
      grep -E "ERROR|error|CHECK|REQUIRE|TEST CASE|values:|what\(\)" "$out/test_cuda_case$i.log" | head -n 12 | sed 's/^/    /'
    fi
  done
fi

step "faceage on the GPU (smoke runs: train fp32 and bf16 autocast, evaluate, embed, predict)"
data=/tmp/gpu-check-data
rm -rf "$data"
smoke=failed
if LD_LIBRARY_PATH="$ours_path" timeout 240 bash -c "
  set -e
  $bundle/bin/faceage synth --out $data/synth --identities 24 --per-identity 10 --size 96 --seed 5 >/dev/null
  $bundle/bin/faceage prepare --meta $data/synth/celebrity2000_meta.mat --images $data/synth/CACD2000 \
    --out $data/sorted --per-group 40 >/dev/null
  $bundle/bin/faceage split --in $data/sorted --out $data/split >/dev/null
  $bundle/bin/faceage train --data $data/split --out $data/result --device cuda --arch convnext_atto \
    --image-size 64 --epochs 2 --batch-size 32 --lr 2e-3 --optimizer adamw --workers 4
  $bundle/bin/faceage train --data $data/split --out $data/result_bf16 --device cuda --amp bf16 \
    --arch convnext_atto --image-size 64 --epochs 1 --batch-size 32 --lr 2e-3 --optimizer adamw --workers 4
  model=$data/result/convnext_finetuned.safetensors
  $bundle/bin/faceage evaluate --data $data/split --checkpoint \$model --image-size 64 --device cuda
  $bundle/bin/faceage embed --data $data/split --checkpoint \$model --out $data/result --image-size 64 --device cuda
  $bundle/bin/faceage predict --weights \$model --image-size 64 --device cuda \$(find $data/split/val -name '*.jpg' | head -n 2)
" > "$out/faceage.log" 2>&1; then smoke=passed; else status=1; fi
tail -n 8 "$out/faceage.log"

declare -A result
# images_per_s of a benchmark's JSON line; "failed" (and a failed check) when there is none.
images_per_s() {
  echo "$1" | "$python" -c 'import json,sys; print(json.loads(sys.stdin.read())["images_per_s"])' 2>/dev/null ||
    { echo failed; return 1; }
}
if [ "${1:-}" != "--quick" ]; then
  step "depthwise 7x7 per ConvNeXt-Tiny stage, batch 128, ms: minitorch's kernels, cuDNN through minitorch, the faster per pass (fastest), PyTorch (cuDNN)"
  for engine in ours cudnn fastest; do
    ours timeout 60 "$bundle/bin/depthwise_bench" --device cuda --batch 128 --engine $engine >> "$out/depthwise.jsonl" 2>>"$out/bench.log" || status=1
  done
  grep -m1 "cuDNN:" "$out/bench.log" || true
  timeout 60 "$python" tools/depthwise_bench_torch.py --device cuda --batch 128 >> "$out/depthwise.jsonl" 2>>"$out/bench.log" || status=1
  "$python" - "$out/depthwise.jsonl" <<'PY' || true
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
columns = ["ours", "cudnn", "fastest", "pytorch"]
print("%-7s %-4s | forward ms: %s | backward ms: %s" % ("stage", "C", " ".join("%8s" % c for c in columns),
                                                      " ".join("%8s" % c for c in columns)))
for size, ch in [(56, 96), (28, 192), (14, 384), (7, 768)]:
    by = {r.get("engine", "pytorch") if r["framework"] == "minitorch" else "pytorch": r
          for r in rows if r["size"] == size and r["channels"] == ch}
    cell = lambda c, key: "%8s" % by.get(c, {}).get(key, "-")
    print("%-7s %-4s |             %s |              %s" % ("%dx%d" % (size, size), ch,
          " ".join(cell(c, "forward_ms") for c in columns), " ".join(cell(c, "backward_ms") for c in columns)))
PY

  step "ConvNeXt-Tiny benchmark, batch 128, 224x224"
  for mode in infer train; do
    for precision in fp32 tf32 bf16; do
      flags="--tf32 0 --amp none"
      [ $precision = tf32 ] && flags="--tf32 1 --amp none"
      [ $precision = bf16 ] && flags="--tf32 0 --amp bf16"
      line=$(ours timeout 120 "$bundle/bin/convnext_bench" --device cuda --mode $mode --batch 128 --size 224 --steps 3 \
             $flags 2>>"$out/bench.log" | tee -a "$out/bench.log" | tail -n 1)
      result[minitorch,$mode,$precision]=$(images_per_s "$line") || status=1
    done
    for precision in fp32 tf32 bf16; do
      args="--device cuda --channels-last --mode $mode --batch 128 --size 224 --steps 3"
      [ $precision = tf32 ] && args="$args --tf32"
      [ $precision = bf16 ] && args="$args --amp bf16"
      line=$(timeout 120 "$python" tools/convnext_bench_torch.py $args 2>>"$out/bench.log" | tee -a "$out/bench.log" | tail -n 1)
      result[pytorch,$mode,$precision]=$(images_per_s "$line") || status=1
    done
  done
fi

step "summary"
echo "CUDA tests: $([ "$test_status" = 0 ] && echo passed || echo "FAILED (exit $test_status)")"
echo "faceage train --device cuda: $smoke"
if [ "${1:-}" != "--quick" ]; then
  echo
  echo "ConvNeXt-Tiny, images/s (batch 128, 224x224)"
  printf '%-10s %-6s %14s %14s\n' mode prec minitorch pytorch
  for mode in infer train; do
    for precision in fp32 tf32 bf16; do
      printf '%-10s %-6s %14s %14s\n' $mode $precision "${result[minitorch,$mode,$precision]}" "${result[pytorch,$mode,$precision]}"
    done
  done
fi
exit $status
