#!/usr/bin/python3
"""PyTorch's GEMM on the shapes of bench/gemm_bench.cpp, for bench/RESULTS.md.

/usr/bin/python3 tools/gemm_torch.py [--threads T]   (Debian python3-torch + libopenblas0-pthread)
"""
import argparse
import json
import time

import torch

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=2)
p.add_argument("--repeats", type=int, default=5)
args = p.parse_args()
torch.set_num_threads(args.threads)
m1, m3 = 32 * 56 * 56, 32 * 14 * 14
cases = [("stage1 fwd  X W^T", m1, 384, 96, False, True), ("stage1 dX   dY W", m1, 96, 384, False, False),
         ("stage1 dW   dY^T X", 384, 96, m1, True, False), ("stage3 fwd  X W^T", m3, 1536, 384, False, True),
         ("stage3 dX   dY W", m3, 384, 1536, False, False), ("stage3 dW   dY^T X", 1536, 384, m3, True, False)]
print("torch", torch.__version__, "threads", torch.get_num_threads(), torch.__config__.show().count("OpenBLAS") and "OpenBLAS" or "")
for name, m, n, k, ta, tb in cases:
    a = torch.randn(k, m).t() if ta else torch.randn(m, k)
    b = torch.randn(n, k).t() if tb else torch.randn(k, n)
    out = torch.empty(m, n)
    times = []
    for r in range(args.repeats + 1):
        t0 = time.perf_counter()
        torch.mm(a, b, out=out)
        t = time.perf_counter() - t0
        if r:
            times.append(t)
    t = sorted(times)[len(times) // 2]
    print(json.dumps({"case": name, "ms": round(t * 1e3, 3), "gflops": round(2 * m * n * k / t / 1e9, 1)}))
