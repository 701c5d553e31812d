#!/usr/bin/env bash
# The tutorial's full configuration, timed side by side: faceage against the PyTorch reference.
#
#   bench/faceage_tutorial.sh [WORK_DIR] [EPOCHS] [IMAGE_SIZE]     (defaults /tmp/faceage-tutorial, 5, 224)
#
# One synthetic CACD-like set (100 people x 40 photos at 250x250), faceage prepare (200 per age
# group: 1,200 images) and split (960 train / 240 val); then, on those same files and from the
# same random initial weights (torchvision's init, saved by the reference script, because the
# ImageNet weights cannot be downloaded here):
#   faceage train + embed + plot                         (build/apps/faceage/faceage)
#   tools/faceage_torch_reference.py                      (Debian's PyTorch 1.13 + OpenBLAS)
# both with the tutorial's settings (batch 32, Adam 1e-4, 4 loader workers, 2 threads).
# Needs a Release build in build/ and: apt-get install python3-torch python3-torchvision
# python3-sklearn libopenblas0-pthread time. Run it on an otherwise idle machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/faceage-tutorial}
epochs=${2:-5}
size=${3:-224}
faceage="$root/build/apps/faceage/faceage"
python=/usr/bin/python3
export OMP_NUM_THREADS=2

mkdir -p "$work"
cd "$work"
if [ ! -d split/train ]; then
  rm -rf synth sorted split
  "$faceage" synth --out synth --identities 100 --per-identity 40 --size 250 --seed 7
  "$faceage" prepare --meta synth/celebrity2000_meta.mat --images synth/CACD2000 --out sorted
  "$faceage" split --in sorted --out split
fi

seconds() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

echo "== PyTorch reference"
rm -rf torch
t0=$(seconds)
"$python" "$root/tools/faceage_torch_reference.py" --data split --out torch --epochs "$epochs" \
  --image-size "$size" --threads 2 --workers 4 --save-init init.pth 2>&1 | grep -v -i warn | tee torch.log
torch_total=$(elapsed "$t0" "$(seconds)")

echo "== faceage"
rm -rf ours
t0=$(seconds)
/usr/bin/time -v -o ours_train.time "$faceage" train --data split --out ours --weights init.pth \
  --epochs "$epochs" --image-size "$size" --workers 4 --device cpu | tee ours.log
t1=$(seconds)
"$faceage" embed --data split --checkpoint ours/convnext_finetuned.safetensors --out ours \
  --image-size "$size"
t2=$(seconds)
"$faceage" plot --features ours/convnext_train_features.pth --out ours | tee -a ours.log
t3=$(seconds)

echo
echo "== summary (seconds)"
printf '%-10s %10s %10s %10s %10s\n' "" train features projection total
printf '%-10s %10.1f %10.1f %10.1f %10.1f\n' faceage "$(elapsed "$t0" "$t1")" "$(elapsed "$t1" "$t2")" \
  "$(elapsed "$t2" "$t3")" "$(elapsed "$t0" "$t3")"
tail -n 1 torch.log | "$python" -c '
import json, sys
r = json.loads(sys.stdin.read())
print("%-10s %10.1f %10.1f %10.1f %10s   (the script end to end: '"$torch_total"' s)" % ("pytorch", r["train_seconds"],
      r["features_seconds"], r["projection_seconds"], "-"))
print("pytorch val accuracies:", r["val_accuracies"], " peak RSS MiB:", r["peak_rss_mib"])'
echo "faceage val accuracies: $(grep '^val ' ours.log | awk '{print $5}' | tr '\n' ' ')"
echo "faceage peak RSS MiB (train): $(awk '/Maximum resident/ {print int($6/1024)}' ours_train.time)"
