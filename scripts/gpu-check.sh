#!/usr/bin/env bash
# The whole GPU check in one run, on a machine with an NVIDIA GPU (the lent H200), from the
# bundle scripts/gpu-bundle.sh made: the CUDA tests, a `faceage train --device cuda` smoke run on
# a small synthetic set, and ConvNeXt-Tiny at 224x224, batch 128, inference and training step,
# against PyTorch eager (channels_last) on the same GPU, in fp32, TF32 and bf16 autocast. Each
# result is printed as soon as it is known, and a table last. Everything fits in one time budget
# (GPU_CHECK_SECONDS, default 470 s): a step that would run past it is skipped and says so, so a
# hang in one step cannot cost the others. Logs go to ${OUT:-/tmp/gpu-check} (six files:
# gpu-check.log with all of this output, test_cuda.log, test_cuda_cases.log, faceage.log,
# bench.log, bench.jsonl).
#
#   bash scripts/gpu-check.sh [--quick]     (--quick: tests and smoke run only)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
out=${OUT:-/tmp/gpu-check}
mkdir -p "$out"
quick=${1:-}
budget=${GPU_CHECK_SECONDS:-470}

main() {
  local bundle=.gpu-bundle status=0
  chmod +x "$bundle"/bin/* 2>/dev/null
  [ -x "$bundle/bin/test_cuda" ] || { echo "gpu-check: no $bundle/bin/test_cuda (run scripts/gpu-bundle.sh first, then carry .gpu-bundle)"; return 2; }

  # The Python that has PyTorch: python3 on PATH, else the image's own virtual environment.
  local python=""
  for candidate in python3 /opt/torch/.venv/bin/python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import torch' 2>/dev/null; then python=$candidate; break; fi
  done
  # The folders of NVIDIA's pip packages next to PyTorch that hold cuBLAS, cuDNN (loaded at run
  # time, optional) and NVRTC (which some cuDNN engines need); the layout differs between CUDA
  # versions (nvidia/cublas/lib, nvidia/cu13/lib), so the libraries are looked for by name.
  local nvidia_dirs="" nvidia_libs=""
  if [ -n "$python" ]; then
    nvidia_dirs=$("$python" -c '
import importlib.util, site
dirs = set()
spec = importlib.util.find_spec("nvidia")
if spec and spec.submodule_search_locations: dirs.update(spec.submodule_search_locations)
for d in site.getsitepackages(): dirs.add(d + "/nvidia")
print(" ".join(sorted(dirs)))' 2>/dev/null)
    nvidia_libs=$(for d in $nvidia_dirs; do [ -d "$d" ] && find "$d" \( -name 'libcublas.so.*' -o -name 'libcublasLt.so.*' \
      -o -name 'libcudnn.so.*' -o -name 'libnvrtc.so.*' \) -printf '%h\n'; done 2>/dev/null | sort -u | paste -sd: -)
  fi
  # Our binaries find the carried libraries and those through this path (empty parts left out:
  # an empty part would mean the current folder); Python (PyTorch) must not see it, so it is set
  # per command by `ours`, never exported.
  ours_path=$(printf '%s\n' "$PWD/$bundle/lib" "$nvidia_libs" /usr/local/cuda/lib64 "${LD_LIBRARY_PATH:-}" |
              grep -v '^$' | paste -sd: -)

  step "GPU and environment"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader || true
  echo "bundle: $(cat "$bundle/STAMP" 2>/dev/null || echo 'no STAMP')"
  echo "glibc: $(ldd --version 2>/dev/null | head -n 1)"
  echo "python with torch: ${python:-none found}"
  [ -n "$python" ] && "$python" -c 'import torch; print("torch", torch.__version__, "CUDA", torch.version.cuda, "cuDNN", torch.backends.cudnn.version())'
  echo "NVIDIA libraries from pip: ${nvidia_libs:-none found}"
  echo "library path for minitorch: $ours_path"
  # Every library the binaries need must resolve, or nothing below can run: stop here, saying which.
  local missing
  missing=$(for b in "$bundle"/bin/*; do ours ldd "$b"; done | grep "not found" | sort -u)
  if [ -n "$missing" ]; then
    echo "gpu-check: libraries not found (nothing can run without them):"
    echo "$missing"
    return 2
  fi
  ours "$bundle/bin/faceage" --help >/dev/null 2>&1 || { echo "gpu-check: faceage does not start:"; ours "$bundle/bin/faceage" --help 2>&1 | head -n 5; return 2; }

  step "CUDA tests (every op against the CPU, a ConvNeXt train step)"
  bounded 150 "CUDA tests" env LD_LIBRARY_PATH="$ours_path" "$bundle/bin/test_cuda" > "$out/test_cuda.log" 2>&1
  test_status=$?
  tail -n 30 "$out/test_cuda.log"
  [ "$test_status" = 0 ] || status=1
  if [ "$test_status" = 77 ]; then  # doctest's "skipped": no usable GPU, nothing below can run on one
    echo "gpu-check: test_cuda found no usable GPU (see above)"
  elif [ "$test_status" != 0 ] && [ "$test_status" != 124 ] && [ "$test_status" != 125 ] && [ "$test_status" != 137 ]; then
    # A fault inside a kernel leaves the CUDA context unusable, so every later test case fails
    # too, and it surfaces at the next synchronisation, under another call's name. Each case is
    # therefore run again alone, in a fresh process, with every launch synchronous: the failures
    # listed are each case's own, and an error names the kernel that failed. (Not after a
    # timeout: a hang would only repeat, case after case.)
    step "CUDA tests again, one test case per process, with CUDA_LAUNCH_BLOCKING=1"
    local cases case_log="$out/test_cuda_cases.log" i case_status name
    cases=$(bounded 30 "test_cuda --count" env LD_LIBRARY_PATH="$ours_path" "$bundle/bin/test_cuda" --count 2>/dev/null |
            sed -n 's/.*current filters: \([0-9]*\).*/\1/p')
    : > "$case_log"
    for i in $(seq 1 "${cases:-0}"); do
      CUDA_LAUNCH_BLOCKING=1 bounded 40 "test case $i" env LD_LIBRARY_PATH="$ours_path" "$bundle/bin/test_cuda" --first=$i --last=$i --duration=true \
        > /tmp/gpu-check-case.log 2>&1
      case_status=$?
      { echo "===== case $i (exit $case_status)"; cat /tmp/gpu-check-case.log; } >> "$case_log"
      name=$(sed -n 's/^[0-9.]* s: //p' /tmp/gpu-check-case.log | head -n 1)
      if [ "$case_status" = 0 ]; then
        echo "case $i: passed: $name"
      else
        echo "case $i: FAILED (exit $case_status): ${name:-see test_cuda_cases.log}"
        grep -E "ERROR|error|CHECK|REQUIRE|TEST CASE|values:|what\(\)" /tmp/gpu-check-case.log | head -n 8 | sed 's/^/    /'
      fi
      [ "$case_status" = 125 ] && break  # out of time
    done
  fi

  if [ "$test_status" = 77 ]; then
    smoke="not run (no usable GPU)"
    status=1
  else
    step "faceage on the GPU (smoke runs: train fp32 and bf16 autocast, evaluate, embed, predict)"
    # Only faceage gets the bundle's library path; bash, find and head keep the machine's own.
    local data=/tmp/gpu-check-data smoke_status
    rm -rf "$data"
    bounded 150 "faceage smoke run" env FACEAGE="$PWD/$bundle/bin/faceage" OURS_PATH="$ours_path" DATA="$data" bash -c '
      set -e
      faceage() { LD_LIBRARY_PATH="$OURS_PATH" "$FACEAGE" "$@"; }
      faceage synth --out "$DATA/synth" --identities 24 --per-identity 10 --size 96 --seed 5 >/dev/null
      faceage prepare --meta "$DATA/synth/celebrity2000_meta.mat" --images "$DATA/synth/CACD2000" \
        --out "$DATA/sorted" --per-group 40 >/dev/null
      faceage split --in "$DATA/sorted" --out "$DATA/split" >/dev/null
      faceage train --data "$DATA/split" --out "$DATA/result" --device cuda --arch convnext_atto \
        --image-size 64 --epochs 2 --batch-size 32 --lr 2e-3 --optimizer adamw --workers 4
      faceage train --data "$DATA/split" --out "$DATA/result_bf16" --device cuda --amp bf16 \
        --arch convnext_atto --image-size 64 --epochs 1 --batch-size 32 --lr 2e-3 --optimizer adamw --workers 4
      model=$DATA/result/convnext_finetuned.safetensors
      faceage evaluate --data "$DATA/split" --checkpoint "$model" --image-size 64 --device cuda
      faceage embed --data "$DATA/split" --checkpoint "$model" --out "$DATA/result" --image-size 64 --device cuda
      find "$DATA/split/val" -name "*.jpg" | head -n 2 > "$DATA/two_images.txt"
      faceage predict --weights "$model" --image-size 64 --device cuda $(cat "$DATA/two_images.txt")
    ' > "$out/faceage.log" 2>&1
    smoke_status=$?
    case $smoke_status in
      0) smoke=passed ;;
      125) smoke="skipped (time)"; status=1 ;;
      124|137) smoke="TIMED OUT"; status=1 ;;
      *) smoke="FAILED (exit $smoke_status)"; status=1 ;;
    esac
    tail -n 8 "$out/faceage.log"
    echo "faceage smoke run: $smoke"
  fi

  if [ "$quick" != "--quick" ] && [ "$test_status" != 77 ]; then
    if [ -z "$python" ]; then
      echo "gpu-check: no python3 with PyTorch: the comparison is skipped"
      status=1
    else
      benchmarks "$bundle" "$python" || status=1
    fi
  fi

  step "summary"
  echo "CUDA tests: $(case "$test_status" in 0) echo passed ;; 124|137) echo "TIMED OUT" ;; 125) echo "skipped (time)" ;;
                      77) echo "SKIPPED: no usable GPU" ;;
                      *) echo "FAILED (exit $test_status)" ;; esac)"
  echo "faceage train --device cuda: $smoke"
  if [ "$quick" != "--quick" ]; then
    echo
    echo "ConvNeXt-Tiny, images/s (batch 128, 224x224; bf16: PyTorch's autocast also runs the depthwise"
    echo "convolutions and LayerNorm in bf16, minitorch's only the matrix products and dense convolutions)"
    printf '%-6s %-5s %12s %12s %7s\n' mode prec minitorch pytorch ratio
    local mode precision mine theirs
    for mode in infer train; do
      for precision in fp32 tf32 bf16; do
        mine=${result[minitorch,$mode,$precision]:-skipped}
        theirs=${result[pytorch,$mode,$precision]:-skipped}
        printf '%-6s %-5s %12s %12s %7s\n' $mode $precision "$mine" "$theirs" "$(ratio "$mine" "$theirs")"
      done
    done
  fi
  echo "elapsed: $((SECONDS - start)) s of a $budget s budget"
  return $status
}

benchmarks() {
  local bundle=$1 python=$2 status=0 engine line mode precision flags args
  step "depthwise 7x7 per ConvNeXt-Tiny stage, batch 128, ms: minitorch's kernels, cuDNN through minitorch, the faster per pass (fastest), PyTorch (cuDNN)"
  for engine in ours cudnn fastest; do
    bounded 40 "depthwise_bench --engine $engine" env LD_LIBRARY_PATH="$ours_path" "$bundle/bin/depthwise_bench" --device cuda --batch 128 \
      --engine $engine >> "$out/bench.jsonl" 2>>"$out/bench.log" || status=1
  done
  grep -m1 "cuDNN:" "$out/bench.log" || true
  bounded 60 "depthwise_bench_torch.py" "$python" tools/depthwise_bench_torch.py --device cuda --batch 128 \
    >> "$out/bench.jsonl" 2>>"$out/bench.log" || status=1
  "$python" - "$out/bench.jsonl" <<'PY' || true
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{") and "forward_ms" in l]
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

  step "ConvNeXt-Tiny benchmark, batch 128, 224x224 (images/s as each run ends)"
  for mode in infer train; do
    for precision in fp32 tf32 bf16; do
      if [ $((budget - (SECONDS - start))) -lt 15 ]; then
        result[minitorch,$mode,$precision]=skipped result[pytorch,$mode,$precision]=skipped
        status=1
        continue
      fi
      flags="--tf32 0 --amp none"
      [ $precision = tf32 ] && flags="--tf32 1 --amp none"
      [ $precision = bf16 ] && flags="--tf32 0 --amp bf16"
      line=$(bounded 60 "convnext_bench $mode $precision" env LD_LIBRARY_PATH="$ours_path" "$bundle/bin/convnext_bench" --device cuda --mode $mode \
             --batch 128 --size 224 --steps 5 $flags 2>>"$out/bench.log" | tee -a "$out/bench.log" | tail -n 1)
      result[minitorch,$mode,$precision]=$(images_per_s "$line") || status=1
      echo "minitorch $mode $precision: ${result[minitorch,$mode,$precision]} images/s"
      echo "$line" | grep '^{' >> "$out/bench.jsonl"
      args="--device cuda --channels-last --mode $mode --batch 128 --size 224 --steps 5"
      [ $precision = tf32 ] && args="$args --tf32"
      [ $precision = bf16 ] && args="$args --amp bf16"
      line=$(bounded 60 "convnext_bench_torch.py $mode $precision" "$python" tools/convnext_bench_torch.py $args \
             2>>"$out/bench.log" | tee -a "$out/bench.log" | tail -n 1)
      result[pytorch,$mode,$precision]=$(images_per_s "$line") || status=1
      echo "pytorch   $mode $precision: ${result[pytorch,$mode,$precision]} images/s"
      echo "$line" | grep '^{' >> "$out/bench.jsonl"
    done
  done
  return $status
}

step() { echo; echo "== $*  [$((SECONDS - start)) s]"; }
ours() { LD_LIBRARY_PATH="$ours_path" "$@"; }

# Runs a command for at most `want` seconds and never past the budget; when less than 15 s would
# be left for it, it does not start and returns 125 (and says so).
bounded() {
  local want=$1 what=$2
  shift 2
  local left=$((budget - (SECONDS - start)))
  local limit=$((want < left ? want : left))
  if [ "$limit" -lt 15 ]; then
    echo "gpu-check: $what skipped (only $left s of the budget left)" >&2
    return 125
  fi
  timeout -k 5 "$limit" "$@"
  local rc=$?
  [ $rc = 124 ] || [ $rc = 137 ] && echo "gpu-check: $what stopped after $limit s" >&2
  return $rc
}

# images_per_s of a benchmark's JSON line; "failed" (and a failed check) when there is none.
images_per_s() {
  echo "$1" | "$python_for_json" -c 'import json,sys; print(json.loads(sys.stdin.read())["images_per_s"])' 2>/dev/null ||
    { echo failed; return 1; }
}

ratio() {
  "$python_for_json" -c 'import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print("%.2fx" % (a / b))' "$1" "$2" \
    2>/dev/null || echo "-"
}

declare -A result
start=$SECONDS
ours_path=""
test_status=125
smoke="not run"
python_for_json=$(command -v python3 || echo /opt/torch/.venv/bin/python3)
main 2>&1 | tee "$out/gpu-check.log"
exit "${PIPESTATUS[0]}"
