#!/usr/bin/env bash
# Builds, here, what the GPU check runs on a lent GPU machine, and packs it into .gpu-bundle/
# (ignored by git; name it in the device tool's `carry`):
#   bin/  test_cuda, faceage, convnext_bench, depthwise_bench (Release, portable x86-64, sm_90)
#   lib/  libminitorch.so and the shared libraries they need that such a machine may lack (cairo,
#         matio, hdf5, ...) as ldd resolves them here; glibc, libstdc++, the CUDA driver and
#         cuBLAS are left to the machine. Bundle and repository together must stay under the 64 MiB a call carries.
# Then scripts/gpu-check.sh runs it there. The GPU machine has nvcc but no apt, so building
# here, where the packages are, and carrying the result is the short way.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
build=build-gpu
# A shared libminitorch: the four programs share one copy of the library and its CUDA kernels.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DMINITORCH_CUDA=ON -DMINITORCH_NATIVE=OFF \
  -DCMAKE_CUDA_ARCHITECTURES=90 -DBUILD_SHARED_LIBS=ON >/dev/null
cmake --build "$build" -j "$(nproc)" --target test_cuda faceage convnext_bench depthwise_bench
rm -rf .gpu-bundle
mkdir -p .gpu-bundle/bin .gpu-bundle/lib
cp "$build/tests/test_cuda" "$build/apps/faceage/faceage" "$build/bench/convnext_bench" "$build/bench/depthwise_bench" \
  .gpu-bundle/bin/
strip .gpu-bundle/bin/*
for binary in .gpu-bundle/bin/*; do
  ldd "$binary" | awk '/=> \// {print $3}' | while read -r lib; do
    case "$(basename "$lib")" in
      # glibc and every library of its own (libresolv, libnss_*, ...: they need the machine's own
      # glibc), the C++ runtime (the machine's is as new or newer), the driver and cuBLAS stay behind
      libc.so*|libm.so*|libpthread.so*|libdl.so*|librt.so*|ld-linux*|libresolv.so*|libnsl.so*|libanl.so*|\
      libutil.so*|libnss_*|libBrokenLocale.so*|libmvec.so*|libthread_db.so*|libstdc++*|libgcc_s*|libcuda.so*|\
      libcublas*) ;;
      *) [ -e ".gpu-bundle/lib/$(basename "$lib")" ] || cp "$lib" .gpu-bundle/lib/ ;;
    esac
  done
done
strip --strip-unneeded .gpu-bundle/lib/libminitorch.so*
# Which code the bundle holds, printed by gpu-check.sh: a bundle older than the last change shows.
echo "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!.gpu-bundle' || echo ' with uncommitted changes'), built $(date -u +%Y-%m-%dT%H:%MZ) on $(uname -n)" \
  > .gpu-bundle/STAMP
du -sh .gpu-bundle
