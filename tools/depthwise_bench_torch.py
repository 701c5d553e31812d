#!/usr/bin/python3
"""PyTorch's side of bench/depthwise_bench.cpp: the depthwise 7x7 convolution of each ConvNeXt-Tiny
stage (padding 3), forward and backward, in channels_last (on the GPU, cuDNN's kernels).

/usr/bin/python3 tools/depthwise_bench_torch.py [--device cpu|cuda] [--batch 128] [--steps 5] [--repeat R]
Prints one JSON line per stage with the median forward and backward milliseconds. Each timed
sample runs the pass R times (default 10 on the GPU, 1 on the CPU) before one synchronisation,
as bench/depthwise_bench.cpp does. TF32 is off, as in minitorch's float32 default.
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--device", choices=["cpu", "cuda"], default="cuda")
p.add_argument("--batch", type=int, default=128)
p.add_argument("--steps", type=int, default=5)
p.add_argument("--repeat", type=int, default=0)
args = p.parse_args()
repeat = args.repeat or (10 if args.device == "cuda" else 1)
torch.backends.cudnn.benchmark = True
torch.backends.cudnn.allow_tf32 = False
device = torch.device(args.device)


def sync():
    if device.type == "cuda":
        torch.cuda.synchronize()


def median_seconds(fn):
    times = []
    for step in range(args.steps + 1):
        t0 = time.perf_counter()
        for _ in range(repeat):
            fn()
        sync()
        if step > 0:
            times.append((time.perf_counter() - t0) / repeat)
    return sorted(times)[len(times) // 2]


for size, channels in [(56, 96), (28, 192), (14, 384), (7, 768)]:
    cl = torch.channels_last
    x = torch.randn(args.batch, channels, size, size, device=device).to(memory_format=cl).requires_grad_()
    w = (torch.randn(channels, 1, 7, 7, device=device) * 0.1).requires_grad_()
    b = torch.zeros(channels, device=device, requires_grad=True)
    gy = torch.randn(args.batch, channels, size, size, device=device).to(memory_format=cl)

    def forward():
        with torch.no_grad():
            F.conv2d(x, w, b, padding=3, groups=channels)

    y = F.conv2d(x, w, b, padding=3, groups=channels)
    forward_s = median_seconds(forward)
    backward_s = median_seconds(lambda: torch.autograd.grad(y, [x, w, b], gy, retain_graph=True))
    print(json.dumps({"framework": "pytorch " + torch.__version__, "device": args.device, "batch": args.batch,
                      "size": size, "channels": channels, "forward_ms": round(forward_s * 1e3, 3),
                      "backward_ms": round(backward_s * 1e3, 3)}))
